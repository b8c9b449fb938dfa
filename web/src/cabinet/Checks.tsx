import { Alert, Button, DatePicker, Input, Select, Space, Table, Tag } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useEffect, useState } from 'react';
import { api } from '../api';
import { dateTime, money, points } from '../format';
import { navigate } from '../nav';

// «Чеки»: sales and returns, newest recorded first, by period (the day recorded), store, customer
// and kind; pages of 50 read by the server as a keyset («Показать ещё»). A check recorded on
// another day than its own date (a till sending late) shows both. A row opens the check.

export interface CheckRow {
  id: string;
  channel: string;
  kind: 'sale' | 'refund';
  externalId: string;
  customerId: string | null;
  customerName?: string | null;
  customerPhone?: string | null;
  storeId: string | null;
  cashierId: string | null;
  occurredAt: string;
  committedAt: string;
  amount: number;
  discount: number;
  redeemed: number;
  accrued: number;
}

interface Filter {
  period: [Dayjs, Dayjs] | null;
  storeId: string;
  customerId: string;
  kind: 'all' | 'sale' | 'refund';
}

function query(f: Filter, after?: string | null): string {
  const p = new URLSearchParams();
  if (f.period) {
    p.set('from', f.period[0].format('YYYY-MM-DD'));
    p.set('to', f.period[1].format('YYYY-MM-DD'));
  }
  if (f.storeId.trim()) p.set('storeId', f.storeId.trim());
  if (f.customerId.trim()) p.set('customerId', f.customerId.trim());
  if (f.kind !== 'all') p.set('kind', f.kind);
  if (after) p.set('after', after);
  return p.toString();
}

export const kindTag = (k: 'sale' | 'refund') => (k === 'sale' ? <Tag color="green">продажа</Tag> : <Tag color="red">возврат</Tag>);

export function Checks() {
  const initialCustomer = new URLSearchParams(window.location.search).get('customer') ?? '';
  const [f, setF] = useState<Filter>({ period: [dayjs().subtract(30, 'day'), dayjs()], storeId: '', customerId: initialCustomer, kind: 'all' });
  const [items, setItems] = useState<CheckRow[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const t = setTimeout(() => {
      setError(null);
      api<{ items: CheckRow[]; next: string | null }>('GET', `/checks?${query(f)}`).then((r) => {
        setItems(r.items);
        setNext(r.next);
      }, (e) => setError(e.message));
    }, 250);
    return () => clearTimeout(t);
  }, [f]);
  const more = () =>
    api<{ items: CheckRow[]; next: string | null }>('GET', `/checks?${query(f, next)}`).then((r) => {
      setItems([...(items ?? []), ...r.items]);
      setNext(r.next);
    }, (e) => setError(e.message));
  const set = (patch: Partial<Filter>) => setF({ ...f, ...patch });
  return (
    <>
      <Space wrap style={{ marginBottom: 16 }}>
        <DatePicker.RangePicker value={f.period} onChange={(v) => set({ period: v && v[0] && v[1] ? [v[0], v[1]] : null })} format="DD.MM.YYYY" />
        <Input id="checks-store" placeholder="Магазин (код)" allowClear value={f.storeId} onChange={(e) => set({ storeId: e.target.value })} style={{ width: 160 }} />
        <Input id="checks-customer" placeholder="Клиент (номер)" allowClear value={f.customerId} onChange={(e) => set({ customerId: e.target.value })} style={{ width: 160 }} />
        <Select value={f.kind} onChange={(v) => set({ kind: v })} style={{ width: 150 }} options={[{ value: 'all', label: 'Все чеки' }, { value: 'sale', label: 'Продажи' }, { value: 'refund', label: 'Возвраты' }]} />
      </Space>
      {error && <Alert type="error" message={error} style={{ marginBottom: 16 }} />}
      <Table<CheckRow>
        rowKey="id"
        size="middle"
        loading={items === null}
        dataSource={items ?? []}
        pagination={false}
        scroll={{ x: 900 }}
        onRow={(c) => ({ onClick: () => navigate(`/cabinet/checks/${c.id}`), style: { cursor: 'pointer' } })}
        columns={[
          {
            title: 'Записан',
            render: (_, c) => (
              <>
                {dateTime(c.committedAt)}
                {c.occurredAt.slice(0, 10) !== c.committedAt.slice(0, 10) && <div style={{ color: '#8c8c8c', fontSize: 12 }}>чек от {dateTime(c.occurredAt)}</div>}
              </>
            ),
          },
          { title: 'Чек', dataIndex: 'externalId' },
          { title: 'Вид', dataIndex: 'kind', render: kindTag },
          { title: 'Магазин', dataIndex: 'storeId', render: (v) => v ?? '—' },
          { title: 'Клиент', render: (_, c) => (c.customerId === null ? 'без карты' : c.customerName || c.customerPhone || `№ ${c.customerId}`) },
          { title: 'Сумма', dataIndex: 'amount', align: 'right', render: money },
          { title: 'Скидка', dataIndex: 'discount', align: 'right', render: money },
          { title: 'Бонусами', dataIndex: 'redeemed', align: 'right', render: points },
          { title: 'Начислено', dataIndex: 'accrued', align: 'right', render: points },
        ]}
      />
      {next && (
        <Button onClick={more} style={{ marginTop: 12 }}>
          Показать ещё
        </Button>
      )}
    </>
  );
}
