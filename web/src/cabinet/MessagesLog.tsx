import { Alert, Button, Select, Space, Table, Tag, Tooltip, Typography } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { api } from '../api';
import { dateTime, money } from '../format';
import { navigate } from '../nav';
import { EVENTS } from './MessagesTemplates';

// The message log: every message the shop sent or refused, newest first, filtered by topic, status
// and channel; the newest 500 that match, a page of 20 at a time.

export interface LoggedMessage {
  id: string;
  customerId: string | null;
  topic: string;
  advertising: boolean;
  channel: string;
  provider: string;
  address: string;
  text: string;
  cost: number;
  status: string;
  error: string | null;
  createdAt: string;
  sendAfter: string;
  sentAt: string | null;
}

export const STATUS: Record<string, { label: string; color: string }> = {
  queued: { label: 'в очереди', color: 'blue' },
  sending: { label: 'отправляется', color: 'processing' },
  sent: { label: 'отправлено', color: 'green' },
  failed: { label: 'ошибка', color: 'red' },
  unknown: { label: 'неизвестно', color: 'orange' },
  skipped: { label: 'не отправлено', color: 'default' },
};

export const TOPICS: Record<string, string> = {
  manual: 'вручную',
  campaign: 'рассылка',
  chain: 'цепочка',
  codes: 'код подтверждения',
  feedback: 'просьба об отзыве',
  'feedback-answer': 'ответ на отзыв',
  ...Object.fromEntries(Object.entries(EVENTS).map(([k, v]) => [k, v.title.toLowerCase()])),
};

const CHANNELS = [
  { value: 'sms', label: 'SMS' },
  { value: 'email', label: 'e-mail' },
  { value: 'telegram', label: 'Telegram' },
];

export function MessagesLog({ customerId }: { customerId?: string }) {
  const [topic, setTopic] = useState('');
  const [status, setStatus] = useState('');
  const [channel, setChannel] = useState('');
  const [rows, setRows] = useState<LoggedMessage[] | null>(null);
  const [more, setMore] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(() => {
    const q = new URLSearchParams({ limit: '500' });
    if (topic) q.set('topic', topic);
    if (status) q.set('status', status);
    if (channel) q.set('channel', channel);
    if (customerId) q.set('customerId', customerId);
    setRows(null);
    api<{ messages: LoggedMessage[]; more: boolean }>('GET', `/messages?${q}`).then(
      (r) => {
        setRows(r.messages);
        setMore(r.more);
      },
      (e) => setError(e.message),
    );
  }, [topic, status, channel, customerId]);
  useEffect(load, [load]);
  return (
    <>
      <Space wrap style={{ marginBottom: 12 }}>
        <Select aria-label="Тема" value={topic} onChange={setTopic} style={{ width: 200 }} options={[{ value: '', label: 'Все темы' }, ...Object.entries(TOPICS).map(([value, label]) => ({ value, label }))]} />
        <Select aria-label="Статус" value={status} onChange={setStatus} style={{ width: 170 }} options={[{ value: '', label: 'Все статусы' }, ...Object.entries(STATUS).map(([value, s]) => ({ value, label: s.label }))]} />
        <Select aria-label="Канал" value={channel} onChange={setChannel} style={{ width: 150 }} options={[{ value: '', label: 'Все каналы' }, ...CHANNELS]} />
        <Button onClick={load}>Обновить</Button>
      </Space>
      {error && <Alert type="error" message={error} style={{ marginBottom: 12 }} />}
      <Table<LoggedMessage>
        rowKey="id"
        size="small"
        loading={rows === null && error === null}
        dataSource={rows ?? []}
        pagination={{ pageSize: 20, showSizeChanger: false, showTotal: (n) => (more ? `последние ${n}` : `всего ${n}`) }}
        scroll={{ x: 900 }}
        columns={[
          { title: 'Когда', dataIndex: 'createdAt', width: 110, render: (v: string) => dateTime(v) },
          {
            title: 'Клиент',
            dataIndex: 'customerId',
            width: 90,
            render: (id: string | null) => (id === null ? '—' : <Typography.Link onClick={() => navigate(`/cabinet/customers/${id}`)}>№ {id}</Typography.Link>),
          },
          { title: 'Тема', dataIndex: 'topic', width: 130, render: (t: string, m) => <>{TOPICS[t] ?? t}{m.advertising && <Tag color="purple" style={{ marginLeft: 4 }}>реклама</Tag>}</> },
          { title: 'Канал', dataIndex: 'channel', width: 120, render: (c: string, m) => <Tooltip title={m.address}>{c === 'sms' ? 'SMS' : c} · {m.provider}</Tooltip> },
          { title: 'Текст', dataIndex: 'text' },
          {
            title: 'Статус',
            dataIndex: 'status',
            width: 150,
            render: (s: string, m) => (
              <>
                <Tag color={STATUS[s]?.color}>{STATUS[s]?.label ?? s}</Tag>
                {m.error && <div style={{ fontSize: 12, color: '#8c8c8c' }}>{m.error}</div>}
                {s === 'queued' && Date.parse(m.sendAfter) > Date.now() && <div style={{ fontSize: 12, color: '#8c8c8c' }}>после {dateTime(m.sendAfter)}</div>}
              </>
            ),
          },
          { title: 'Цена', dataIndex: 'cost', width: 90, align: 'right', render: (c: number) => (c > 0 ? money(c) : '—') },
        ]}
      />
    </>
  );
}
