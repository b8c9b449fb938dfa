import { Alert, Button, Card, Checkbox, Col, Input, InputNumber, Modal, Row, Select, Space, Statistic, Switch, Table, Tag, Typography, message } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { api } from '../api';
import { bonuses, dateTime, money, points } from '../format';
import { CampaignsSegment, compact, type Segment } from './CampaignsSegment';
import { STATUS } from './MessagesLog';

// «Рассылки»: a segment, a text and a channel; the preview counts who is in the segment, who can
// be reached (an address, consent for advertising), SMS parts and their cost before anything is
// sent; the send asks for confirmation. A campaign's name makes a repeat resume it, never double it.

interface Preview {
  customers: number;
  withoutAddress: number;
  withoutConsent: number;
  messages: number;
  smsParts: number;
  partsPerMessage: number;
  provider: string | null;
  quietHours: { from: string; to: string } | null;
  cost?: number | null;
  smsPrice?: { kopecks: number; source: 'provider' | 'service' } | null;
}
interface Sent {
  id: string;
  sentAt: string;
  lastSentAt: string;
  text: string;
  channel: string;
  advertising: boolean;
  gift: { points: number; ttlDays?: number } | null;
  audience: number;
  queued: number;
  skipped: number;
  gifts: number;
  delivery: { statuses: Record<string, number>; cost: number };
}

const today = () => new Date().toISOString().slice(0, 10);

function PreviewCard({ p }: { p: Preview }) {
  return (
    <Card size="small" id="campaign-preview" style={{ background: '#fafafa' }}>
      <Row gutter={16}>
        <Col span={6}><Statistic title="В сегменте" value={p.customers} /></Col>
        <Col span={6}><Statistic title="Получат" value={p.messages} valueStyle={{ color: '#389e0d' }} /></Col>
        <Col span={6}><Statistic title="Частей SMS" value={p.smsParts} suffix={p.partsPerMessage > 1 ? `(${p.partsPerMessage} на сообщение)` : undefined} /></Col>
        <Col span={6}><Statistic title="Стоимость SMS" value={p.cost == null ? '—' : money(p.cost)} /></Col>
      </Row>
      <Typography.Paragraph type="secondary" style={{ margin: '8px 0 0' }}>
        Без адреса для канала: {p.withoutAddress} · без согласия: {p.withoutConsent} · канал: {p.provider ?? 'не настроен'}
        {p.smsPrice ? ` · цена части SMS ${money(p.smsPrice.kopecks)}${p.smsPrice.source === 'service' ? ' (по прайсу оператора)' : ''}` : ''}
        {p.cost == null && p.smsParts > 0 ? ' · цена SMS не задана (Сообщения → Каналы)' : ''}
        {p.quietHours ? ` · в тихие часы ${p.quietHours.from}–${p.quietHours.to} сообщения ждут` : ''}
      </Typography.Paragraph>
    </Card>
  );
}

function History({ items }: { items: Sent[] | null }) {
  return (
    <Table<Sent>
      rowKey="id"
      size="small"
      loading={items === null}
      dataSource={items ?? []}
      scroll={{ x: 900 }}
      columns={[
        { title: 'Рассылка', dataIndex: 'id', render: (id: string, c) => <><b>{id}</b><div style={{ fontSize: 12, color: '#8c8c8c' }}>{dateTime(c.sentAt)}</div></> },
        { title: 'Текст', dataIndex: 'text', render: (t: string, c) => <>{t}{c.advertising && <Tag color="purple" style={{ marginLeft: 4 }}>реклама</Tag>}</> },
        { title: 'Канал', dataIndex: 'channel', width: 80 },
        { title: 'Получателей', dataIndex: 'audience', width: 110, align: 'right' },
        {
          title: 'Сообщения',
          width: 220,
          render: (_, c) => Object.entries(c.delivery.statuses).map(([s, n]) => <Tag key={s} color={STATUS[s]?.color}>{STATUS[s]?.label ?? s}: {n}</Tag>),
        },
        { title: 'Подарки', width: 110, render: (_, c) => (c.gift ? `${c.gifts} × ${points(c.gift.points)}` : '—') },
        { title: 'SMS, ₽', width: 100, align: 'right', render: (_, c) => (c.delivery.cost > 0 ? money(c.delivery.cost) : '—') },
      ]}
    />
  );
}

export function Campaigns() {
  const [id, setId] = useState(`akciya-${today()}`);
  const [segment, setSegment] = useState<Segment>({});
  const [channel, setChannel] = useState<'sms' | 'email' | 'telegram'>('sms');
  const [text, setText] = useState('');
  const [advertising, setAdvertising] = useState(true);
  const [gift, setGift] = useState<{ points: number; ttlDays: number | null } | null>(null);
  const [preview, setPreview] = useState<Preview | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [sent, setSent] = useState<Sent[] | null>(null);
  const body = useCallback(() => ({ segment: compact(segment), text, channel, advertising }), [segment, text, channel, advertising]);
  const loadSent = useCallback(() => {
    api<{ campaigns: Sent[] }>('GET', '/messages/campaigns').then((r) => setSent(r.campaigns), (e) => setError(e.message));
  }, []);
  useEffect(loadSent, [loadSent]);
  useEffect(() => {
    setPreview(null);
    if (text.trim() === '') return;
    // Counted as the owner types, half a second after the last change.
    const t = setTimeout(() => api<Preview>('POST', '/messages/campaigns/preview', body()).then((p) => { setPreview(p); setError(null); }, (e) => setError(e.message)), 500);
    return () => clearTimeout(t);
  }, [body, text]);
  const send = () => {
    if (preview === null) return;
    Modal.confirm({
      title: `Отправить рассылку «${id}»?`,
      content: `Сообщений: ${preview.messages}${preview.smsParts ? `, частей SMS: ${preview.smsParts}` : ''}${preview.cost != null ? `, примерно ${money(preview.cost)}` : ''}${gift ? `; подарок ${bonuses(gift.points)} каждому` : ''}. Отменить нельзя.`,
      okText: 'Отправить',
      cancelText: 'Отмена',
      onOk: async () => {
        try {
          const g = gift ? { gift: { points: gift.points, ...(gift.ttlDays ? { ttlDays: gift.ttlDays } : {}) } } : {};
          const r = await api<{ queued: number; skipped: number; alreadyQueued: number; gifts: number }>('POST', '/messages/campaigns', { ...body(), id, ...g });
          message.success(`В очереди: ${r.queued}, не отправлено: ${r.skipped}, уже были: ${r.alreadyQueued}, подарков: ${r.gifts}`);
          loadSent();
        } catch (e) {
          setError((e as Error).message);
        }
      },
    });
  };
  const sms = channel === 'sms';
  return (
    <>
      <Card title="Новая рассылка" style={{ marginBottom: 16 }}>
        <Typography.Title level={5} style={{ marginTop: 0 }}>Кому</Typography.Title>
        <CampaignsSegment value={segment} onChange={setSegment} />
        <Typography.Title level={5} style={{ marginTop: 16 }}>Что</Typography.Title>
        <Space wrap style={{ marginBottom: 8 }}>
          <Input aria-label="Название рассылки" addonBefore="Название" value={id} onChange={(e) => setId(e.target.value)} style={{ width: 300 }} />
          <Select aria-label="Канал рассылки" value={channel} onChange={setChannel} style={{ width: 140 }} options={[{ value: 'sms', label: 'SMS' }, { value: 'email', label: 'e-mail' }, { value: 'telegram', label: 'Telegram' }]} />
          <Checkbox checked={advertising} onChange={(e) => setAdvertising(e.target.checked)}>Рекламная (только с согласием на рекламу)</Checkbox>
        </Space>
        <Input.TextArea aria-label="Текст рассылки" rows={3} maxLength={1000} value={text} onChange={(e) => setText(e.target.value)} placeholder="Текст сообщения" showCount={sms ? { formatter: ({ count }) => `${count} знаков` } : false} />
        <Space wrap style={{ margin: '12px 0', display: 'flex' }}>
          <Switch checked={gift !== null} onChange={(on) => setGift(on ? { points: 10000, ttlDays: 14 } : null)} aria-label="Подарок" />
          <span>Подарить бонусы</span>
          {gift && (
            <>
              <InputNumber aria-label="Бонусов в подарок" min={1} value={gift.points / 100} onChange={(v) => setGift({ ...gift, points: Math.round((v ?? 1) * 100) })} addonAfter="бонусов" style={{ width: 170 }} />
              <InputNumber aria-label="Сгорают через" min={1} max={3650} value={gift.ttlDays} onChange={(v) => setGift({ ...gift, ttlDays: v })} addonBefore="сгорают через" addonAfter="дн." style={{ width: 240 }} />
            </>
          )}
        </Space>
        {preview && <PreviewCard p={preview} />}
        {error && <Alert type="error" message={error} style={{ marginTop: 12 }} />}
        <Button type="primary" style={{ marginTop: 12, display: 'block' }} disabled={preview === null || preview.messages === 0 || id.trim() === ''} onClick={send}>
          Отправить…
        </Button>
      </Card>
      <Space style={{ marginBottom: 8 }}>
        <Typography.Title level={5} style={{ margin: 0 }}>Отправленные рассылки</Typography.Title>
        <Button size="small" onClick={loadSent}>Обновить</Button>
      </Space>
      <History items={sent} />
    </>
  );
}
