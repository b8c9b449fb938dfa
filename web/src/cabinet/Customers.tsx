import { Alert, Input, Table, Tag } from 'antd';
import { useEffect, useState } from 'react';
import { api } from '../api';
import { dateTime, money, points, type Customer } from '../format';
import { navigate } from '../nav';

// Customers: the newest first, or those matching a phone (or its last digits), a card or a name.
export function Customers() {
  const [q, setQ] = useState('');
  const [items, setItems] = useState<Customer[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const t = setTimeout(() => {
      api<{ items: Customer[] }>('GET', `/customers?q=${encodeURIComponent(q)}`).then(
        (r) => {
          setItems(r.items);
          setError(null);
        },
        (e) => setError(e.message),
      );
    }, 250);
    return () => clearTimeout(t);
  }, [q]);
  return (
    <>
      <Input.Search id="customer-search" placeholder="Телефон, последние цифры, карта или имя" allowClear value={q} onChange={(e) => setQ(e.target.value)} style={{ maxWidth: 480, marginBottom: 16 }} />
      {error && <Alert type="error" message={error} style={{ marginBottom: 16 }} />}
      <Table<Customer>
        rowKey="id"
        loading={items === null}
        dataSource={items ?? []}
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
    </>
  );
}
