import { Alert, Button, Card, Col, Descriptions, InputNumber, Popconfirm, Row, Space, Spin, Table, Tag, message, type TableColumnsType } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { api, ApiError, newId } from '../api';
import { dateTime, money, points, type Customer } from '../format';
import { navigate } from '../nav';
import { kindTag, type CheckRow } from './Checks';

// One check: its lines (quantity, price, sum, discount, bonus payment, accrual, what has come
// back), the customer, its returns (or its sale); and a return from the cabinet — chosen
// quantities of some lines, or everything not yet returned. The ledger refunds it as a till's
// return: bonuses paid go back, bonuses accrued are taken back.

interface Line {
  lineNo: number;
  productId: string;
  name: string | null;
  quantity: number;
  price: number;
  amount: number;
  discount: number;
  redeemed: number;
  accrued: number;
  refunded: number;
}

interface Detail {
  check: CheckRow & { lines: Line[]; related: CheckRow[] };
  customer: Customer | null;
}

const pieces = (thousandths: number) => (thousandths / 1000).toLocaleString('ru-RU', { maximumFractionDigits: 3 });

export function CheckDetail({ id }: { id: string }) {
  const [data, setData] = useState<Detail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(() => {
    api<Detail>('GET', `/checks/${encodeURIComponent(id)}`).then(setData, (e) => setError(e.message));
  }, [id]);
  useEffect(load, [load]);
  if (error && data === null) return <Alert type="error" message={error} />;
  if (data === null) return <Spin />;
  const c = data.check;
  return (
    <>
      <Button type="link" onClick={() => navigate('/cabinet/checks')} style={{ padding: 0, marginBottom: 8 }}>
        ← Все чеки
      </Button>
      <Row gutter={[16, 16]}>
        <Col xs={24} lg={16}>
          <CheckSummary c={c} />
        </Col>
        <Col xs={24} lg={8}>
          <CustomerBox customer={data.customer} />
        </Col>
      </Row>
      <LinesAndReturn c={c} onReturned={load} />
      {c.related.length > 0 && <RelatedChecks c={c} />}
    </>
  );
}

function CheckSummary({ c }: { c: Detail['check'] }) {
  return (
    <Card title={<Space>Чек {c.externalId} {kindTag(c.kind)}</Space>}>
      <Descriptions size="small" column={{ xs: 1, sm: 2, md: 3, lg: 3, xl: 3, xxl: 3 }}>
        <Descriptions.Item label="Когда">{dateTime(c.occurredAt)}</Descriptions.Item>
        <Descriptions.Item label="Канал">{c.channel}</Descriptions.Item>
        <Descriptions.Item label="Магазин">{c.storeId ?? '—'}</Descriptions.Item>
        <Descriptions.Item label="Сумма">{money(c.amount)}</Descriptions.Item>
        <Descriptions.Item label="Скидка">{money(c.discount)}</Descriptions.Item>
        <Descriptions.Item label="Оплачено бонусами">{points(c.redeemed)}</Descriptions.Item>
        <Descriptions.Item label="Начислено">{points(c.accrued)}</Descriptions.Item>
        <Descriptions.Item label="Кассир">{c.cashierId ?? '—'}</Descriptions.Item>
      </Descriptions>
    </Card>
  );
}

function CustomerBox({ customer }: { customer: Customer | null }) {
  return (
    <Card title="Клиент">
      {customer ? (
        <Space direction="vertical">
          <Button type="link" style={{ padding: 0 }} onClick={() => navigate(`/cabinet/customers/${customer.id}`)}>
            {customer.name || customer.phone || `Клиент ${customer.id}`}
          </Button>
          <span>{customer.phone}</span>
          <Tag color="volcano">{customer.level.name}</Tag>
          <span>Доступно баллов: {points(customer.balance.available)}</span>
        </Space>
      ) : (
        'Без карты'
      )}
    </Card>
  );
}

const left = (l: Line) => l.quantity - l.refunded;

/** The lines, and for a sale the quantities to return (or the whole rest); a click's key makes a repeat a replay. */
function LinesAndReturn({ c, onReturned }: { c: Detail['check']; onReturned: () => void }) {
  const [back, setBack] = useState<Record<number, number | null>>({});
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [key, setKey] = useState(newId);
  const chosen = c.lines.filter((l) => (back[l.lineNo] ?? 0) > 0).map((l) => ({ lineNo: l.lineNo, quantity: Math.round((back[l.lineNo] ?? 0) * 1000) }));
  const refund = async (whole: boolean) => {
    setBusy(true);
    setError(null);
    try {
      await api('POST', `/checks/${encodeURIComponent(c.id)}/refund`, whole ? { key } : { key, lines: chosen });
      message.success('Возврат проведён');
      setBack({});
      setKey(newId());
      onReturned();
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  const anyLeft = c.kind === 'sale' && c.lines.some((l) => left(l) > 0);
  return (
    <Card title="Строки" style={{ marginTop: 16 }}>
      <Table<Line> rowKey="lineNo" size="small" pagination={false} dataSource={c.lines} scroll={{ x: 900 }} columns={lineColumns(c.kind === 'sale', back, setBack)} />
      {error && <Alert type="error" showIcon message={error} style={{ marginTop: 16 }} id="refund-error" />}
      {anyLeft && (
        <Space style={{ marginTop: 16 }}>
          <Button type="primary" disabled={chosen.length === 0} loading={busy} onClick={() => refund(false)}>
            Вернуть отмеченное
          </Button>
          <Popconfirm title="Вернуть всё, что ещё не возвращено?" okText="Вернуть" cancelText="Нет" onConfirm={() => refund(true)}>
            <Button danger loading={busy}>
              Вернуть весь чек
            </Button>
          </Popconfirm>
        </Space>
      )}
    </Card>
  );
}

function lineColumns(sale: boolean, back: Record<number, number | null>, setBack: (b: Record<number, number | null>) => void): TableColumnsType<Line> {
  const columns: TableColumnsType<Line> = [
    { title: '№', dataIndex: 'lineNo' },
    { title: 'Товар', render: (_, l) => l.name ?? l.productId },
    { title: 'Кол-во', align: 'right', render: (_, l) => pieces(l.quantity) },
    { title: 'Цена', dataIndex: 'price', align: 'right', render: money },
    { title: 'Сумма', dataIndex: 'amount', align: 'right', render: money },
    { title: 'Скидка', dataIndex: 'discount', align: 'right', render: money },
    { title: 'Бонусами', dataIndex: 'redeemed', align: 'right', render: points },
    { title: 'Начислено', dataIndex: 'accrued', align: 'right', render: points },
    { title: 'Возвращено', align: 'right', render: (_, l) => (l.refunded > 0 ? pieces(l.refunded) : '—') },
  ];
  if (!sale) return columns;
  columns.push({
    title: 'Вернуть',
    render: (_: unknown, l: Line) => (
      <InputNumber
        aria-label={`Вернуть строку ${l.lineNo}`}
        min={0}
        max={left(l) / 1000}
        disabled={left(l) <= 0}
        value={back[l.lineNo] ?? null}
        onChange={(v) => setBack({ ...back, [l.lineNo]: v })}
        style={{ width: 90 }}
      />
    ),
  });
  return columns;
}

function RelatedChecks({ c }: { c: Detail['check'] }) {
  return (
    <Card title={c.kind === 'sale' ? 'Возвраты этой продажи' : 'Продажа'} style={{ marginTop: 16 }}>
      <Table<CheckRow>
        rowKey="id"
        size="small"
        pagination={false}
        dataSource={c.related}
        onRow={(r) => ({ onClick: () => navigate(`/cabinet/checks/${r.id}`), style: { cursor: 'pointer' } })}
        columns={[
          { title: 'Когда', dataIndex: 'occurredAt', render: (v) => dateTime(v) },
          { title: 'Чек', dataIndex: 'externalId' },
          { title: 'Вид', dataIndex: 'kind', render: kindTag },
          { title: 'Сумма', dataIndex: 'amount', align: 'right', render: money },
          { title: 'Бонусами', dataIndex: 'redeemed', align: 'right', render: points },
          { title: 'Начислено', dataIndex: 'accrued', align: 'right', render: points },
        ]}
      />
    </Card>
  );
}
