import { DownloadOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Col, DatePicker, InputNumber, Row, Segmented, Space, Spin, Statistic, Table, Typography } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useEffect, useState } from 'react';
import { Bar, CartesianGrid, ComposedChart, Legend, Line, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { api } from '../api';
import { money, points } from '../format';

// The owner's reports: sales for a period (a chart of revenue and checks, a table by store or
// cashier) and the customer base (segments, lost, attraction by source), each with its workbook.
// The figures come from /web/api/reports/* — the same ledger reads as /v1/reports/*.

interface SalesRow {
  period: string;
  key: string | null;
  checks: number;
  identified: number;
  refunds: number;
  revenue: number;
  averageCheck: number;
  averageDiscount: number;
  accrued: number;
  redeemed: number;
}

interface SourceRow {
  source: string;
  customers: number;
  buyers: number;
  repeatBuyers: number;
  averageCheck: number;
  averageRevenue: number;
  averageDaysBetween: number | null;
}

interface CustomerReport {
  total: number;
  segments: { none: number; one: number; two: number; threePlus: number };
  lostDays: number;
  lost: number;
  revenuePerBuyer: number;
  revenuePerCustomer: number;
  sources: SourceRow[];
}

type Period = 'day' | 'week' | 'month';
type By = 'store' | 'cashier';

const iso = (d: Dayjs) => d.format('YYYY-MM-DD');
const excel = (path: string) => `/web/api/reports/${path}${path.includes('?') ? '&' : '?'}format=xlsx`;

function useReport<T>(path: string): { data: T | null; error: string | null } {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setData(null);
    setError(null);
    api<T>('GET', `/reports/${path}`).then(setData, (e) => setError(e.message));
  }, [path]);
  return { data, error };
}

export function Reports() {
  const [range, setRange] = useState<[Dayjs, Dayjs]>([dayjs().subtract(29, 'day'), dayjs()]);
  const [period, setPeriod] = useState<Period>('day');
  const [by, setBy] = useState<By>('store');
  const [lostDays, setLostDays] = useState(90);
  const span = `from=${iso(range[0])}&to=${iso(range[1])}`;
  const sales = useReport<{ rows: SalesRow[] }>(`sales?${span}&period=${period}`);
  const split = useReport<{ rows: SalesRow[] }>(`sales?${span}&period=all&by=${by}`);
  const customers = useReport<CustomerReport>(`customers?lostDays=${lostDays}&${span}`);
  return (
    <Space direction="vertical" size="large" style={{ width: '100%' }}>
      <Space wrap>
        <DatePicker.RangePicker value={range} allowClear={false} format="DD.MM.YYYY" onChange={(v) => v?.[0] && v[1] && setRange([v[0], v[1]])} />
        <Segmented<Period> value={period} onChange={setPeriod} options={[{ label: 'По дням', value: 'day' }, { label: 'По неделям', value: 'week' }, { label: 'По месяцам', value: 'month' }]} />
      </Space>
      <SalesCard rows={sales.data?.rows ?? null} error={sales.error} days={period === 'day' ? range : null} download={excel(`sales?${span}&period=${period}`)} />
      <Card
        title="По магазинам и кассирам"
        extra={
          <Space>
            <Segmented<By> value={by} onChange={setBy} options={[{ label: 'Магазины', value: 'store' }, { label: 'Кассиры', value: 'cashier' }]} />
            <Button icon={<DownloadOutlined />} href={excel(`sales?${span}&period=all&by=${by}`)}>
              Скачать Excel
            </Button>
          </Space>
        }
      >
        {split.error && <Alert type="error" message={split.error} />}
        <Table<SalesRow>
          rowKey={(r) => r.key ?? ''}
          loading={split.data === null && split.error === null}
          dataSource={split.data?.rows ?? []}
          pagination={false}
          size="small"
          columns={[
            { title: by === 'store' ? 'Магазин' : 'Кассир', dataIndex: 'key', render: (k: string | null) => k || '(не указан)' },
            { title: 'Чеков', dataIndex: 'checks', align: 'right' },
            { title: 'Выручка', dataIndex: 'revenue', align: 'right', render: money },
            { title: 'Средний чек', dataIndex: 'averageCheck', align: 'right', render: money },
            { title: 'Средняя скидка', dataIndex: 'averageDiscount', align: 'right', render: money },
            { title: 'Возвратов', dataIndex: 'refunds', align: 'right' },
          ]}
        />
      </Card>
      <CustomersCard report={customers.data} error={customers.error} lostDays={lostDays} setLostDays={setLostDays} download={excel(`customers?lostDays=${lostDays}&${span}`)} />
    </Space>
  );
}

/** Every day of the range, a day without sales as zeros: the chart's gaps are real. */
function everyDay(rows: SalesRow[], range: [Dayjs, Dayjs]): { period: string; revenue: number; checks: number }[] {
  const byDay = new Map(rows.map((r) => [r.period, r]));
  const out = [];
  for (let d = range[0].startOf('day'); !d.isAfter(range[1], 'day'); d = d.add(1, 'day')) {
    const r = byDay.get(iso(d));
    out.push({ period: d.format('DD.MM'), revenue: (r?.revenue ?? 0) / 100, checks: r?.checks ?? 0 });
  }
  return out;
}

interface SalesProps {
  rows: SalesRow[] | null;
  error: string | null;
  download: string;
  /** Set when the rows are by day: the chart then shows every day of it. */
  days: [Dayjs, Dayjs] | null;
}

function SalesCard({ rows, error, download, days }: SalesProps) {
  const sum = (f: (r: SalesRow) => number) => (rows ?? []).reduce((a, r) => a + f(r), 0);
  const checks = sum((r) => r.checks);
  const revenue = sum((r) => r.revenue);
  const chart = days !== null ? everyDay(rows ?? [], days) : (rows ?? []).map((r) => ({ period: dayjs(r.period).format('DD.MM.YY'), revenue: r.revenue / 100, checks: r.checks }));
  return (
    <Card
      title="Продажи"
      extra={
        <Button icon={<DownloadOutlined />} href={download}>
          Скачать Excel
        </Button>
      }
    >
      {error && <Alert type="error" message={error} />}
      {rows === null && error === null ? (
        <Spin />
      ) : (
        <>
          <Row gutter={16} style={{ marginBottom: 16 }}>
            <Col span={6}><Statistic title="Выручка" value={money(revenue)} /></Col>
            <Col span={6}><Statistic title="Чеков" value={checks} /></Col>
            <Col span={6}><Statistic title="Средний чек" value={money(checks === 0 ? 0 : Math.floor(sum((r) => r.averageCheck * r.checks) / checks))} /></Col>
            <Col span={6}><Statistic title="Начислено бонусов" value={points(sum((r) => r.accrued))} /></Col>
          </Row>
          <div className="sales-chart" style={{ width: '100%', height: 300 }}>
            <ResponsiveContainer>
              <ComposedChart data={chart}>
                <CartesianGrid strokeDasharray="3 3" />
                <XAxis dataKey="period" />
                <YAxis yAxisId="rub" tickFormatter={(v: number) => `${v.toLocaleString('ru-RU')} ₽`} width={90} />
                <YAxis yAxisId="n" orientation="right" allowDecimals={false} />
                <Tooltip formatter={(v: number, name: string) => (name === 'Выручка' ? `${v.toLocaleString('ru-RU')} ₽` : v)} />
                <Legend />
                <Bar yAxisId="rub" dataKey="revenue" name="Выручка" fill="#d4380d" />
                <Line yAxisId="n" dataKey="checks" name="Чеков" stroke="#1677ff" strokeWidth={2} dot={chart.length <= 31 ? { r: 2 } : false} />
              </ComposedChart>
            </ResponsiveContainer>
          </div>
        </>
      )}
    </Card>
  );
}

interface CustomersProps {
  report: CustomerReport | null;
  error: string | null;
  lostDays: number;
  setLostDays: (n: number) => void;
  download: string;
}

function CustomersCard({ report: r, error, lostDays, setLostDays, download }: CustomersProps) {
  const stat = (title: string, value: number | string) => (
    <Col xs={12} md={6} lg={4}>
      <Card size="small" style={{ height: '100%' }}>
        <Statistic title={title} value={value} />
      </Card>
    </Col>
  );
  return (
    <Card
      title="Клиенты"
      extra={
        <Space>
          <span>Потерянные — без покупок</span>
          <InputNumber min={1} max={3650} value={lostDays} onChange={(v) => v && setLostDays(v)} addonAfter="дн." style={{ width: 120 }} />
          <Button icon={<DownloadOutlined />} href={download}>
            Скачать Excel
          </Button>
        </Space>
      }
    >
      {error && <Alert type="error" message={error} />}
      {r === null ? (
        !error && <Spin />
      ) : (
        <>
          <Row gutter={[16, 16]} className="customer-cards">
            {stat('Клиентов всего', r.total)}
            {stat('1 покупка', r.segments.one)}
            {stat('2 покупки', r.segments.two)}
            {stat('3 и более', r.segments.threePlus)}
            {stat('Потерянные', r.lost)}
            {stat('Выручка на покупателя', money(r.revenuePerBuyer))}
          </Row>
          <Typography.Title level={5} style={{ marginTop: 24 }}>
            Привлечение по источникам (зарегистрированы за период)
          </Typography.Title>
          <Table<SourceRow>
            rowKey="source"
            dataSource={r.sources}
            pagination={false}
            size="small"
            columns={[
              { title: 'Источник', dataIndex: 'source', render: (s: string) => s || '(не указан)' },
              { title: 'Клиентов', dataIndex: 'customers', align: 'right' },
              { title: 'Купили', dataIndex: 'buyers', align: 'right' },
              { title: 'Повторно', dataIndex: 'repeatBuyers', align: 'right' },
              { title: 'Средний чек', dataIndex: 'averageCheck', align: 'right', render: money },
              { title: 'Средняя выручка', dataIndex: 'averageRevenue', align: 'right', render: money },
              { title: 'Дней между покупками', dataIndex: 'averageDaysBetween', align: 'right', render: (d: number | null) => (d === null ? '—' : d.toLocaleString('ru-RU')) },
            ]}
          />
        </>
      )}
    </Card>
  );
}
