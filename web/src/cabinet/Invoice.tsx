import { Alert, Button, Card, DatePicker, Space, Spin, Table, Typography } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useEffect, useState } from 'react';
import { api } from '../api';
import { money } from '../format';

// «Счёт»: the month as the operator bills it — subscription by sales channels, checks over the
// included ones, SMS by topic — with quantities, prices and the total; and the same as Excel.

interface Line {
  name: string;
  quantity: number;
  unit: string;
  price: number;
  sum: number;
}

interface Answer {
  month: string;
  name: string;
  plan: 'month' | 'wallet';
  channelNames: string[];
  checks: number;
  lines: Line[];
  total: number;
}

export function Invoice() {
  const [month, setMonth] = useState<Dayjs>(dayjs());
  const [data, setData] = useState<Answer | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setData(null);
    setError(null);
    api<Answer>('GET', `/invoice?month=${month.format('YYYY-MM')}`).then(setData, (e) => setError(e.message));
  }, [month]);
  return (
    <>
      <Space style={{ marginBottom: 16 }} wrap>
        <DatePicker picker="month" value={month} onChange={(d) => d && setMonth(d)} allowClear={false} format="MMMM YYYY" />
        <Button href={`/web/api/invoice?month=${month.format('YYYY-MM')}&format=xlsx`} id="invoice-xlsx">
          Скачать Excel
        </Button>
      </Space>
      {error && <Alert type="error" message={error} />}
      {data === null ? (
        !error && <Spin />
      ) : (
        <Card title={`Счёт за ${month.format('MMMM YYYY')}: ${data.name}`} extra={data.plan === 'wallet' ? 'Тариф «Кошелёк»' : 'Помесячный тариф'}>
          <Typography.Paragraph type="secondary">Каналы продаж: {data.channelNames.join(', ') || 'не было продаж'} · чеков продаж: {data.checks}</Typography.Paragraph>
          <Table<Line>
            rowKey="name"
            size="middle"
            pagination={false}
            dataSource={data.lines}
            columns={[
              { title: 'Услуга', dataIndex: 'name' },
              { title: 'Количество', dataIndex: 'quantity', align: 'right', render: (v: number, l) => `${v.toLocaleString('ru-RU')} ${l.unit}` },
              { title: 'Цена', dataIndex: 'price', align: 'right', render: money },
              { title: 'Сумма', dataIndex: 'sum', align: 'right', render: money },
            ]}
            summary={() => (
              <Table.Summary.Row>
                <Table.Summary.Cell index={0} colSpan={3}>
                  <b>Итого</b>
                </Table.Summary.Cell>
                <Table.Summary.Cell index={1} align="right">
                  <b id="invoice-total">{money(data.total)}</b>
                </Table.Summary.Cell>
              </Table.Summary.Row>
            )}
          />
        </Card>
      )}
    </>
  );
}
