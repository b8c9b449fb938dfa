import { Alert, Button, Card, Col, Form, Input, Row, Spin, Switch, Table, Tag, Typography } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { api, ApiError } from '../api';
import { Balance, type BalanceWords } from '../Balance';
import { dateTime, money, points, POSTING_KINDS, type Customer, type Posting } from '../format';

const CUSTOMER_WORDS: BalanceWords = { available: 'Можно потратить', pending: 'Скоро станут доступны', toNext: (l) => `До уровня «${l}» — покупки ещё на`, top: null };

// The customer's own cabinet, /me/<tenant>: signed in by phone and a code sent by SMS; balance
// available and pending, level and the way to the next, purchases, history, and a personal
// referral link with its QR code.

interface Mine {
  customer: Customer;
  history: Posting[];
  referralLink: string;
  qrSvg: string;
  consents: { processing: boolean | null; advertising: boolean | null };
  schedule: { activating: { at: string; points: number }[]; burning: { at: string; points: number }[] };
}

export function Me({ tenantId }: { tenantId: string }) {
  const [mine, setMine] = useState<Mine | null | 'out'>(null);
  const load = useCallback(() => {
    api<Mine>('GET', '/me').then(setMine, () => setMine('out'));
  }, []);
  useEffect(load, [load]);
  if (mine === null) return <Spin style={{ display: 'block', marginTop: '20vh' }} size="large" />;
  if (mine === 'out') return <MeSignIn tenantId={tenantId} onDone={load} />;
  const c = mine.customer;
  return (
    <div style={{ maxWidth: 760, margin: '0 auto', padding: 16 }}>
      <Typography.Title level={2}>{c.name ? `${c.name}, здравствуйте!` : 'Мои бонусы'}</Typography.Title>
      <Row gutter={[16, 16]}>
        <Col xs={24} md={14}>
          <Card extra={<Tag color="volcano">{c.level.name}</Tag>} title="Баланс">
            <Balance c={c} words={CUSTOMER_WORDS} />
            <Typography.Paragraph type="secondary" style={{ marginTop: 12, marginBottom: 0 }}>
              Покупок: {c.purchases} на {money(c.totalSpent)} · последняя: {dateTime(c.lastPurchaseAt)}
            </Typography.Paragraph>
            <Schedule s={mine.schedule} />
          </Card>
        </Col>
        <Col xs={24} md={10}>
          <Card title="Пригласите друга">
            <img alt="QR-код приглашения" src={`data:image/svg+xml;utf8,${encodeURIComponent(mine.qrSvg)}`} style={{ width: 160, height: 160, display: 'block', margin: '0 auto 8px' }} />
            <Typography.Paragraph copyable={{ text: mine.referralLink }} style={{ wordBreak: 'break-all', fontSize: 12 }}>
              {mine.referralLink}
            </Typography.Paragraph>
          </Card>
        </Col>
      </Row>
      <Consents given={mine.consents} onChange={(consents) => setMine({ ...mine, consents })} />
      <Card title="История" style={{ marginTop: 16 }}>
        <Table<Posting>
          rowKey="id"
          size="small"
          dataSource={mine.history}
          pagination={{ pageSize: 10 }}
          columns={[
            { title: 'Когда', dataIndex: 'at', render: (v) => dateTime(v) },
            { title: 'Что', dataIndex: 'kind', render: (k) => POSTING_KINDS[k] ?? k },
            { title: 'Баллы', dataIndex: 'change', align: 'right', render: (v: number) => `${v > 0 ? '+' : ''}${points(v)}` },
          ]}
        />
      </Card>
      <Button
        style={{ marginTop: 16 }}
        onClick={async () => {
          await api('DELETE', '/session').catch(() => undefined);
          setMine('out');
        }}
      >
        Выйти
      </Button>
    </div>
  );
}

function MeSignIn({ tenantId, onDone }: { tenantId: string; onDone: () => void }) {
  const [form] = Form.useForm();
  const [codeNote, setCodeNote] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (v: { phone: string; code?: string }) => {
    setBusy(true);
    setError(null);
    try {
      await api('POST', '/me/session', { tenantId, phone: v.phone, code: v.code || null });
      onDone();
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      if (e.field === 'code' && codeNote === null) setCodeNote(e.fieldMessage);
      else if (e.field === 'code' || e.field === 'phone') form.setFields([{ name: e.field, errors: [e.fieldMessage] }]);
      else setError(e.message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div style={{ maxWidth: 420, margin: '10vh auto', padding: 16 }}>
      <Card>
        <Typography.Title level={3}>Мои бонусы</Typography.Title>
        <Form form={form} layout="vertical" onFinish={submit}>
          <Form.Item name="phone" label="Телефон" rules={[{ required: true, message: 'Ваш телефон' }]}>
            <Input size="large" inputMode="tel" placeholder="+7 999 123-45-67" />
          </Form.Item>
          {codeNote !== null && (
            <Form.Item name="code" label="Код из SMS" extra={codeNote} rules={[{ required: true, message: 'Введите код из SMS' }]}>
              <Input size="large" inputMode="numeric" maxLength={6} autoFocus />
            </Form.Item>
          )}
          {error && <Alert type="error" showIcon message={error} style={{ marginBottom: 16 }} />}
          <Button type="primary" htmlType="submit" size="large" block loading={busy}>
            {codeNote === null ? 'Получить код' : 'Войти'}
          </Button>
        </Form>
      </Card>
    </div>
  );
}

/** Advertising consent, given or withdrawn here (kept as history by the shop); processing consent only shown. */
function Consents({ given, onChange }: { given: Mine['consents']; onChange: (c: Mine['consents']) => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const toggle = async (advertising: boolean) => {
    setBusy(true);
    setError(null);
    try {
      onChange((await api<{ consents: Mine['consents'] }>('POST', '/me/consents', { advertising })).consents);
    } catch (e) {
      setError(e instanceof ApiError ? e.message : 'Не удалось сохранить');
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card title="Согласия" style={{ marginTop: 16 }}>
      <Typography.Paragraph style={{ marginBottom: 8 }}>
        <Switch checked={given.advertising === true} loading={busy} onChange={toggle} aria-label="Согласие на рекламные сообщения" style={{ marginRight: 8 }} /> Получать сообщения об акциях и
        скидках (SMS, e-mail, Telegram)
      </Typography.Paragraph>
      <Typography.Paragraph type="secondary" style={{ marginBottom: 0, fontSize: 12 }}>
        Согласие на обработку персональных данных: {given.processing === false ? 'отозвано' : given.processing === true ? 'дано' : 'не записано'}. Чтобы отозвать его
        и удалить свои данные, обратитесь в магазин.
      </Typography.Paragraph>
      {error && <Alert type="error" message={error} style={{ marginTop: 8 }} />}
    </Card>
  );
}

/** When bonuses become spendable and when they burn, by date. */
function Schedule({ s }: { s: Mine['schedule'] }) {
  if (s.activating.length === 0 && s.burning.length === 0) return null;
  const line = (x: { at: string; points: number }) => `${points(x.points)} — ${dateTime(x.at)}`;
  return (
    <div style={{ marginTop: 12 }}>
      {s.activating.length > 0 && (
        <Typography.Paragraph style={{ marginBottom: 4 }}>
          Станут доступны: {s.activating.map(line).join('; ')}
        </Typography.Paragraph>
      )}
      {s.burning.length > 0 && (
        <Typography.Paragraph type="warning" style={{ marginBottom: 0 }}>
          Сгорят: {s.burning.map(line).join('; ')}
        </Typography.Paragraph>
      )}
    </div>
  );
}
