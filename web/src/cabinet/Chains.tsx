import { Alert, Button, Card, Checkbox, Col, Input, InputNumber, Row, Select, Space, Statistic, Tag, Typography, message } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { api } from '../api';
import { bonuses, dateTime, money, points } from '../format';
import { CampaignsSegment, compact, segmentText, type Segment } from './CampaignsSegment';
import { STATUS } from './MessagesLog';

// «Цепочки»: reactivation chains — customers of a segment (usually N days without a purchase)
// get steps a number of days apart, each a message and/or a gift; one who buys leaves. The list
// shows each chain's results; «Пройти сейчас» runs its hourly sweep at once.

interface Step {
  delayDays: number;
  message?: { text: string; channel: 'sms' | 'email' | 'telegram'; advertising: boolean };
  gift?: { points: number; ttlDays?: number };
}
interface Results {
  chain: { id: string; name: string; segment: Segment; steps: Step[]; windowDays: number; active: boolean; createdAt: string };
  participants: number;
  active: number;
  finished: number;
  left: { bought: number };
  messages: Record<string, number>;
  smsCost: number;
  gifts: { count: number; points: number };
  returned: { windowDays: number; customers: number; revenue: number };
}

const stepText = (s: Step, i: number) =>
  `${i + 1}. ${s.delayDays === 0 ? 'сразу' : `через ${s.delayDays} дн.`}: ${[s.message ? `«${s.message.text}» (${s.message.channel})` : null, s.gift ? `подарок ${bonuses(s.gift.points)}` : null].filter(Boolean).join(' + ')}`;

function ChainCard({ r, ran }: { r: Results; ran: (r: Results) => void }) {
  const [busy, setBusy] = useState(false);
  const run = async () => {
    setBusy(true);
    try {
      const x = await api<{ swept: { enrolled: number; left: number; steps: number }; results: Results }>('POST', `/chains/${r.chain.id}/run`);
      message.success(`Вошли: ${x.swept.enrolled}, вышли: ${x.swept.left}, шагов выполнено: ${x.swept.steps}`);
      ran(x.results);
    } catch (e) {
      message.error((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card
      size="small"
      className="chain-card"
      title={<>{r.chain.name} {r.chain.active ? <Tag color="green">работает</Tag> : <Tag>выключена</Tag>}</>}
      extra={<Button onClick={run} loading={busy}>Пройти сейчас</Button>}
      style={{ marginBottom: 12 }}
    >
      <Typography.Paragraph type="secondary" style={{ marginBottom: 8 }}>
        Создана {dateTime(r.chain.createdAt)} · вернувшимся считается купивший в течение {r.chain.windowDays} дн. · кто входит: {segmentText(r.chain.segment)}
        <br />
        {r.chain.steps.map(stepText).join(' · ')}
      </Typography.Paragraph>
      <Row gutter={16}>
        <Col xs={12} md={4}><Statistic title="Участников" value={r.participants} suffix={<span style={{ fontSize: 12 }}>в цепочке {r.active}</span>} /></Col>
        <Col xs={12} md={4}><Statistic title="Сообщений" value={Object.values(r.messages).reduce((a, b) => a + b, 0)} /></Col>
        <Col xs={12} md={4}><Statistic title="Стоимость SMS" value={money(r.smsCost)} /></Col>
        <Col xs={12} md={4}><Statistic title="Подарков" value={r.gifts.count} suffix={<span style={{ fontSize: 12 }}>{points(r.gifts.points)} бон.</span>} /></Col>
        <Col xs={12} md={4}><Statistic title="Вернулись" value={r.returned.customers} valueStyle={{ color: '#389e0d' }} /></Col>
        <Col xs={12} md={4}><Statistic title="Их выручка" value={money(r.returned.revenue)} /></Col>
      </Row>
      <Space wrap size={4} style={{ marginTop: 8 }}>
        {Object.entries(r.messages).map(([s, n]) => <Tag key={s} color={STATUS[s]?.color}>{STATUS[s]?.label ?? s}: {n}</Tag>)}
        {r.finished > 0 && <Tag>прошли до конца без покупки: {r.finished}</Tag>}
      </Space>
    </Card>
  );
}

function StepEditor({ s, i, set, remove }: { s: Step; i: number; set: (s: Step) => void; remove?: () => void }) {
  return (
    <Card size="small" title={`Шаг ${i + 1}`} extra={remove && <Button size="small" onClick={remove}>Убрать</Button>} style={{ marginBottom: 8 }}>
      <Space wrap>
        <InputNumber aria-label={`Шаг ${i + 1}: через дней`} min={0} max={3650} value={s.delayDays} onChange={(v) => set({ ...s, delayDays: v ?? 0 })} addonBefore={i === 0 ? 'через, после входа' : 'через, после шага'} addonAfter="дн." />
        <Checkbox checked={s.message !== undefined} onChange={(e) => set({ ...s, message: e.target.checked ? { text: '', channel: 'sms', advertising: true } : undefined })}>Сообщение</Checkbox>
        <Checkbox checked={s.gift !== undefined} onChange={(e) => set({ ...s, gift: e.target.checked ? { points: 20000, ttlDays: 14 } : undefined })}>Подарок</Checkbox>
        {s.gift && (
          <>
            <InputNumber aria-label={`Шаг ${i + 1}: бонусов`} min={1} value={s.gift.points / 100} onChange={(v) => set({ ...s, gift: { ...s.gift!, points: Math.round((v ?? 1) * 100) } })} addonAfter="бонусов" style={{ width: 160 }} />
            <InputNumber aria-label={`Шаг ${i + 1}: сгорают через`} min={1} value={s.gift.ttlDays} onChange={(v) => set({ ...s, gift: { points: s.gift!.points, ...(v ? { ttlDays: v } : {}) } })} addonBefore="сгорают через" addonAfter="дн." style={{ width: 230 }} />
          </>
        )}
      </Space>
      {s.message && (
        <Space.Compact style={{ width: '100%', marginTop: 8 }}>
          <Select value={s.message.channel} onChange={(channel) => set({ ...s, message: { ...s.message!, channel } })} style={{ width: 120 }} options={[{ value: 'sms', label: 'SMS' }, { value: 'email', label: 'e-mail' }, { value: 'telegram', label: 'Telegram' }]} />
          <Input aria-label={`Шаг ${i + 1}: текст`} value={s.message.text} maxLength={1000} placeholder="Текст сообщения" onChange={(e) => set({ ...s, message: { ...s.message!, text: e.target.value } })} />
        </Space.Compact>
      )}
      {s.message && (
        <Checkbox style={{ marginTop: 6 }} checked={s.message.advertising} onChange={(e) => set({ ...s, message: { ...s.message!, advertising: e.target.checked } })}>
          Рекламное (только клиентам с согласием на рекламу)
        </Checkbox>
      )}
    </Card>
  );
}

function NewChain({ created }: { created: () => void }) {
  const [name, setName] = useState('Спящие 60 дней');
  const [segment, setSegment] = useState<Segment>({ minDaysWithoutPurchase: 60 });
  const [windowDays, setWindowDays] = useState(30);
  const [steps, setSteps] = useState<Step[]>([{ delayDays: 0, message: { text: '', channel: 'sms', advertising: true } }]);
  const [error, setError] = useState<string | null>(null);
  const create = async () => {
    setError(null);
    try {
      await api('POST', '/chains', { name, segment: compact(segment), windowDays, steps });
      message.success('Цепочка создана: она проходит каждый час');
      created();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const setStep = (i: number) => (s: Step) => setSteps(steps.map((x, j) => (j === i ? s : x)));
  return (
    <Card title="Новая цепочка" style={{ marginBottom: 16 }}>
      <Space wrap style={{ marginBottom: 12 }}>
        <Input aria-label="Название цепочки" addonBefore="Название" value={name} onChange={(e) => setName(e.target.value)} style={{ width: 320 }} />
        <InputNumber aria-label="Окно возврата" min={1} max={365} value={windowDays} onChange={(v) => setWindowDays(v ?? 30)} addonBefore="вернулся, если купил за" addonAfter="дн." />
      </Space>
      <Typography.Title level={5} style={{ marginTop: 0 }}>Кто входит</Typography.Title>
      <CampaignsSegment value={segment} onChange={setSegment} />
      <Typography.Title level={5} style={{ marginTop: 16 }}>Шаги</Typography.Title>
      {steps.map((s, i) => (
        <StepEditor key={i} s={s} i={i} set={setStep(i)} remove={steps.length > 1 ? () => setSteps(steps.filter((_, j) => j !== i)) : undefined} />
      ))}
      <Space>
        <Button onClick={() => setSteps([...steps, { delayDays: 7, gift: { points: 20000, ttlDays: 14 } }])} disabled={steps.length >= 20}>
          Добавить шаг
        </Button>
        <Button type="primary" onClick={create}>
          Создать цепочку
        </Button>
      </Space>
      {error && <Alert type="error" message={error} style={{ marginTop: 12 }} />}
    </Card>
  );
}

export function Chains() {
  const [items, setItems] = useState<Results[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const load = useCallback(() => {
    api<{ chains: Results[] }>('GET', '/chains').then((r) => setItems(r.chains), (e) => setError(e.message));
  }, []);
  useEffect(load, [load]);
  return (
    <>
      {creating ? (
        <NewChain created={() => { setCreating(false); load(); }} />
      ) : (
        <Button type="primary" onClick={() => setCreating(true)} style={{ marginBottom: 16 }}>
          Новая цепочка
        </Button>
      )}
      {error && <Alert type="error" message={error} style={{ marginBottom: 16 }} />}
      {items !== null && items.length === 0 && !creating && <Alert type="info" message="Цепочек пока нет. Цепочка возвращает уснувших клиентов: сообщение, через неделю подарок; купивший выходит из неё." />}
      {(items ?? []).map((r) => (
        <ChainCard key={r.chain.id} r={r} ran={(x) => setItems((items ?? []).map((y) => (y.chain.id === x.chain.id ? x : y)))} />
      ))}
    </>
  );
}
