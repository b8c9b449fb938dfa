import { Alert, Button, Input, InputNumber, Select, Space, Table, Tag } from 'antd';
import { useEffect, useState } from 'react';
import { api } from '../api';
import { dateTime, money, points, type Customer } from '../format';
import { navigate } from '../nav';

// Customers: the newest first, or those matching a phone (or its last digits), a card or a name;
// narrowed by level, where they came from, whether they bought, and how long they have been away.
// Pages of 50 («Показать ещё»), read by the server as a keyset.

interface Filter {
  q: string;
  level?: string;
  source?: string;
  purchases: 'any' | 'with' | 'without';
  lostDays?: number | null;
}

const SOURCES: Record<string, string> = { self: 'по ссылке', cashier: 'касса', import: 'импорт', api: 'API', moysklad: 'МойСклад', evotor: 'Эвотор', onec: '1С', frontol: 'Frontol' };

function query(f: Filter, after?: string): string {
  const p = new URLSearchParams();
  if (f.q) p.set('q', f.q);
  if (f.level) p.set('level', f.level);
  if (f.source) p.set('source', f.source);
  if (f.purchases !== 'any') p.set('purchases', f.purchases);
  if (f.lostDays) p.set('lostDays', String(f.lostDays));
  if (after) p.set('after', after);
  return p.toString();
}

export function Customers() {
  const [f, setF] = useState<Filter>({ q: '', purchases: 'any' });
  const [items, setItems] = useState<Customer[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [sources, setSources] = useState<string[]>([]);
  const [levels, setLevels] = useState<{ value: string; label: string }[]>([]);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api<{ levels: { code: string; name: string }[] }>('GET', '/program').then((p) => setLevels(p.levels.map((l) => ({ value: l.code, label: l.name }))), () => undefined);
  }, []);
  useEffect(() => {
    const t = setTimeout(() => {
      api<{ items: Customer[]; next: string | null; sources: string[] }>('GET', `/customers?${query(f)}`).then(
        (r) => {
          setItems(r.items);
          setNext(r.next);
          setSources(r.sources);
          setError(null);
        },
        (e) => setError(e.message),
      );
    }, 250);
    return () => clearTimeout(t);
  }, [f]);
  const more = () =>
    api<{ items: Customer[]; next: string | null }>('GET', `/customers?${query(f, next ?? undefined)}`).then((r) => {
      setItems([...(items ?? []), ...r.items]);
      setNext(r.next);
    }, (e) => setError(e.message));
  const set = (patch: Partial<Filter>) => setF({ ...f, ...patch });
  return (
    <>
      <Space wrap style={{ marginBottom: 16 }}>
        <Input.Search id="customer-search" placeholder="Телефон, последние цифры, карта или имя" allowClear value={f.q} onChange={(e) => set({ q: e.target.value })} style={{ width: 280 }} />
        <Select id="filter-level" placeholder="Уровень" allowClear value={f.level} onChange={(v) => set({ level: v })} options={levels} style={{ width: 140 }} />
        <Select id="filter-source" placeholder="Откуда пришёл" allowClear value={f.source} onChange={(v) => set({ source: v })} options={sources.map((s) => ({ value: s, label: SOURCES[s] ?? s }))} style={{ width: 160 }} />
        <Select id="filter-purchases" value={f.purchases} onChange={(v) => set({ purchases: v })} style={{ width: 150 }} options={[{ value: 'any', label: 'Все клиенты' }, { value: 'with', label: 'С покупками' }, { value: 'without', label: 'Без покупок' }]} />
        <InputNumber id="filter-lost" min={1} max={3660} placeholder="Не покупал, дней" value={f.lostDays ?? null} onChange={(v) => set({ lostDays: v })} style={{ width: 160 }} />
      </Space>
      {error && <Alert type="error" message={error} style={{ marginBottom: 16 }} />}
      <Table<Customer>
        rowKey="id"
        loading={items === null}
        dataSource={items ?? []}
        pagination={false}
        onRow={(c) => ({ onClick: () => navigate(`/cabinet/customers/${c.id}`), style: { cursor: 'pointer' } })}
        scroll={{ x: 800 }}
        columns={[
          { title: 'Телефон', dataIndex: 'phone' },
          { title: 'Имя', dataIndex: 'name', render: (v) => v ?? '—' },
          { title: 'Карта', dataIndex: 'cardNumber', render: (v) => v ?? '—' },
          { title: 'Уровень', render: (_, c) => <Tag color="volcano">{c.level.name}</Tag> },
          { title: 'Баллы', align: 'right', render: (_, c) => points(c.balance.available) + (c.balance.pending ? ` (+${points(c.balance.pending)})` : '') },
          { title: 'Покупки', align: 'right', render: (_, c) => money(c.totalSpent) },
          { title: 'Последняя', render: (_, c) => dateTime(c.lastPurchaseAt) },
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
