import { Alert, Button, Card, Col, Form, Input, InputNumber, Row, Select, Switch, Tag, message, type FormInstance } from 'antd';
import { useEffect, useState } from 'react';
import { api, ApiError } from '../api';

// The channels messages go through: SMS (SMS.ru or SMSC), e-mail (the shop's SMTP), Telegram (the
// shop's bot). Passwords and tokens are write-only: the page shows «задан», and a form saved with
// the field empty keeps the one the server has.

export interface ProviderViews {
  sms: { provider: 'smsru' | 'smsc'; from: string | null; price: number | null; login: string | null; tokenSet: boolean } | null;
  email: { host: string; port: number; secure: boolean; user: string | null; from: string; tokenSet: boolean } | null;
  telegram: { tokenSet: boolean } | null;
}
export type Active = Record<'sms' | 'email' | 'telegram', string | null>;

const NAMES: Record<string, string> = { smsru: 'SMS.ru', smsc: 'SMSC', smtp: 'SMTP', telegram: 'Telegram' };

function State({ own, active }: { own: boolean; active: string | null }) {
  if (own) return <Tag color="green">настроен: {NAMES[active ?? ''] ?? active}</Tag>;
  if (active !== null) return <Tag color="blue">через {NAMES[active] ?? active} сервиса</Tag>;
  return <Tag>не настроен</Tag>;
}

const secretHint = (set: boolean | undefined) => (set ? 'задан — оставьте пустым, чтобы не менять' : '');

/** Saves a channel; a field the server names gets its message under it. */
async function save(channel: string, body: object, form: FormInstance, done: (p: ProviderViews) => void): Promise<void> {
  try {
    const r = await api<{ providers: ProviderViews }>('PUT', `/messages/providers/${channel}`, body);
    form.setFieldValue('token', '');
    done(r.providers);
    message.success('Сохранено');
  } catch (e) {
    if (e instanceof ApiError && e.field && form.getFieldInstance(e.field)) form.setFields([{ name: e.field, errors: [e.fieldMessage] }]);
    else message.error((e as Error).message);
  }
}

function SmsCard({ view, active, done }: { view: ProviderViews['sms']; active: string | null; done: (p: ProviderViews) => void }) {
  const [form] = Form.useForm();
  const provider = Form.useWatch('provider', form) ?? view?.provider ?? 'smsru';
  const tokenSet = view !== null && view.provider === provider && view.tokenSet;
  const submit = (v: { provider: string; login?: string; token?: string; from?: string; price?: number | null }) => {
    const body: Record<string, unknown> = { provider: v.provider, token: v.token ?? '' };
    if (v.from) body.from = v.from;
    if (v.provider === 'smsc') body.login = v.login ?? '';
    if (v.provider === 'smsru' && v.price != null) body.price = Math.round(v.price * 100);
    return save('sms', body, form, done);
  };
  return (
    <Card title="SMS" extra={<State own={view !== null} active={active} />} id="provider-sms">
      <Form form={form} name="sms" layout="vertical" onFinish={submit} initialValues={{ provider: view?.provider ?? 'smsru', login: view?.login ?? '', from: view?.from ?? '', price: view?.price != null ? view.price / 100 : null }}>
        <Form.Item name="provider" label="Сервис">
          <Select options={[{ value: 'smsru', label: 'SMS.ru' }, { value: 'smsc', label: 'SMSC.ru' }]} />
        </Form.Item>
        {provider === 'smsc' && (
          <Form.Item name="login" label="Логин SMSC" rules={[{ required: true, message: 'Логин в SMSC' }]}>
            <Input />
          </Form.Item>
        )}
        <Form.Item name="token" label={provider === 'smsc' ? 'Пароль или API-ключ' : 'api_id'} extra={secretHint(tokenSet)}>
          <Input.Password autoComplete="new-password" placeholder={tokenSet ? 'задан' : ''} />
        </Form.Item>
        <Form.Item name="from" label="Имя отправителя" extra="Согласованное с сервисом, до 11 латинских знаков">
          <Input maxLength={11} />
        </Form.Item>
        {provider === 'smsru' && (
          <Form.Item name="price" label="Цена одного SMS, ₽" extra="Для стоимости рассылок и цепочек">
            <InputNumber min={0} max={1000} step={0.01} precision={2} decimalSeparator="," style={{ width: '100%' }} />
          </Form.Item>
        )}
        <Button type="primary" htmlType="submit">
          Сохранить SMS
        </Button>
      </Form>
    </Card>
  );
}

function EmailCard({ view, active, done }: { view: ProviderViews['email']; active: string | null; done: (p: ProviderViews) => void }) {
  const [form] = Form.useForm();
  const submit = (v: { host: string; port: number; secure: boolean; user?: string; token?: string; from: string }) =>
    save('email', { host: v.host, port: v.port, secure: v.secure, from: v.from, ...(v.user ? { user: v.user } : {}), ...(v.token ? { token: v.token } : {}) }, form, done);
  return (
    <Card title="E-mail (SMTP)" extra={<State own={view !== null} active={active} />}>
      <Form form={form} name="email" layout="vertical" onFinish={submit} initialValues={{ host: view?.host ?? '', port: view?.port ?? 465, secure: view?.secure ?? true, user: view?.user ?? '', from: view?.from ?? '' }}>
        <Row gutter={8}>
          <Col span={16}>
            <Form.Item name="host" label="Сервер" rules={[{ required: true, message: 'например smtp.yandex.ru' }]}>
              <Input placeholder="smtp.yandex.ru" />
            </Form.Item>
          </Col>
          <Col span={8}>
            <Form.Item name="port" label="Порт">
              <InputNumber min={1} max={65535} style={{ width: '100%' }} />
            </Form.Item>
          </Col>
        </Row>
        <Form.Item name="secure" label="SSL/TLS" valuePropName="checked">
          <Switch />
        </Form.Item>
        <Form.Item name="user" label="Пользователь">
          <Input autoComplete="off" />
        </Form.Item>
        <Form.Item name="token" label="Пароль" extra={secretHint(view?.tokenSet)}>
          <Input.Password autoComplete="new-password" placeholder={view?.tokenSet ? 'задан' : ''} />
        </Form.Item>
        <Form.Item name="from" label="Отправитель" rules={[{ required: true, message: 'Магазин <shop@example.ru>' }]}>
          <Input placeholder="Магазин <shop@example.ru>" />
        </Form.Item>
        <Button type="primary" htmlType="submit">
          Сохранить e-mail
        </Button>
      </Form>
    </Card>
  );
}

function TelegramCard({ view, active, done }: { view: ProviderViews['telegram']; active: string | null; done: (p: ProviderViews) => void }) {
  const [form] = Form.useForm();
  return (
    <Card title="Telegram" extra={<State own={view !== null} active={active} />}>
      <Form form={form} name="telegram" layout="vertical" onFinish={(v: { token?: string }) => save('telegram', { token: v.token ?? '' }, form, done)}>
        <Form.Item name="token" label="Токен бота" extra={view?.tokenSet ? secretHint(true) : 'Выдаёт @BotFather'}>
          <Input.Password autoComplete="new-password" placeholder={view?.tokenSet ? 'задан' : '123456:ABC…'} />
        </Form.Item>
        <Button type="primary" htmlType="submit">
          Сохранить Telegram
        </Button>
      </Form>
    </Card>
  );
}

export function MessagesProviders() {
  const [views, setViews] = useState<{ providers: ProviderViews; active: Active } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = () => api<{ providers: ProviderViews; active: Active }>('GET', '/messages/settings').then(setViews, (e) => setError(e.message));
  useEffect(() => {
    void load();
  }, []);
  if (views === null) return error ? <Alert type="error" message={error} /> : null;
  const done = () => void load();
  return (
    <Row gutter={[16, 16]}>
      <Col xs={24} lg={8}>
        <SmsCard view={views.providers.sms} active={views.active.sms} done={done} />
      </Col>
      <Col xs={24} lg={8}>
        <EmailCard view={views.providers.email} active={views.active.email} done={done} />
      </Col>
      <Col xs={24} lg={8}>
        <TelegramCard view={views.providers.telegram} active={views.active.telegram} done={done} />
      </Col>
    </Row>
  );
}
