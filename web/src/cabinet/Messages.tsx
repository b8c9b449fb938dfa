import { Alert, Button, Card, Checkbox, Form, Input, InputNumber, Select, Space, Switch, Tabs, Typography, message } from 'antd';
import { useEffect, useState } from 'react';
import { api, ApiError } from '../api';
import type { Customer } from '../format';
import { MessagesLog } from './MessagesLog';
import { MessagesProviders } from './MessagesProviders';
import { MessagesTemplates } from './MessagesTemplates';

// «Сообщения»: the channels, the rules every automatic message obeys, the templates, the log, and
// a message to one customer by hand.

interface Rules {
  quietHours: { from: string; to: string } | null;
  dailyCap: number;
  channels: ('sms' | 'email' | 'telegram')[];
  burnDaysBefore: number;
}

const CHANNEL_OPTIONS = [
  { value: 'telegram', label: 'Telegram' },
  { value: 'sms', label: 'SMS' },
  { value: 'email', label: 'e-mail' },
];
const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;

function MessagesRules() {
  const [r, setR] = useState<Rules | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api<{ rules: Rules }>('GET', '/messages/settings').then((x) => setR(x.rules), (e) => setError(e.message));
  }, []);
  if (r === null) return error ? <Alert type="error" message={error} /> : null;
  const quiet = r.quietHours;
  const bad = quiet !== null && (!HHMM.test(quiet.from) || !HHMM.test(quiet.to));
  const save = async () => {
    setError(null);
    try {
      setR((await api<{ rules: Rules }>('PUT', '/messages/settings', r)).rules);
      message.success('Правила сохранены');
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <Card style={{ maxWidth: 640 }}>
      <Form layout="vertical">
        <Form.Item label="Тихие часы (время программы)" extra="Сообщения, пришедшиеся на тихие часы, уходят после них" validateStatus={bad ? 'error' : undefined} help={bad ? 'время ЧЧ:ММ' : undefined}>
          <Space>
            <Switch aria-label="Тихие часы" checked={quiet !== null} onChange={(on) => setR({ ...r, quietHours: on ? { from: '21:00', to: '09:00' } : null })} />
            {quiet && (
              <>
                с <Input aria-label="тихие часы с" value={quiet.from} onChange={(e) => setR({ ...r, quietHours: { ...quiet, from: e.target.value } })} style={{ width: 80 }} />
                до <Input aria-label="тихие часы до" value={quiet.to} onChange={(e) => setR({ ...r, quietHours: { ...quiet, to: e.target.value } })} style={{ width: 80 }} />
              </>
            )}
          </Space>
        </Form.Item>
        <Form.Item label="Автоматических сообщений одному клиенту в день" extra="0 — без ограничения; рассылки и сообщения вручную не считаются">
          <InputNumber min={0} max={100} value={r.dailyCap} onChange={(v) => setR({ ...r, dailyCap: v ?? 0 })} />
        </Form.Item>
        <Form.Item label="Порядок каналов" extra="Сообщение уходит первым настроенным каналом, по которому клиента можно найти">
          <Select mode="multiple" value={r.channels} options={CHANNEL_OPTIONS} onChange={(channels) => setR({ ...r, channels })} />
        </Form.Item>
        <Form.Item label="Напоминать о сгорании бонусов за, дней">
          <InputNumber min={1} max={60} value={r.burnDaysBefore} onChange={(v) => setR({ ...r, burnDaysBefore: v ?? 7 })} />
        </Form.Item>
        {error && <Alert type="error" message={error} style={{ marginBottom: 12 }} />}
        <Button type="primary" onClick={save} disabled={bad || r.channels.length === 0}>
          Сохранить правила
        </Button>
      </Form>
    </Card>
  );
}

/** A customer picked by phone, card or name (the cabinet's customer search). */
export function CustomerPicker({ id, value, onChange }: { id?: string; value?: string; onChange?: (id: string) => void }) {
  const [options, setOptions] = useState<{ value: string; label: string }[]>([]);
  const search = (q: string) => {
    if (q.trim().length < 2) return;
    api<{ items: Customer[] }>('GET', `/customers?q=${encodeURIComponent(q.trim())}`).then(
      (r) => setOptions(r.items.map((c) => ({ value: c.id, label: `${c.name ?? 'без имени'} · ${c.phone ?? c.cardNumber ?? '№ ' + c.id}` }))),
      () => setOptions([]),
    );
  };
  return <Select id={id} showSearch value={value} onChange={onChange} onSearch={search} filterOption={false} options={options} placeholder="Телефон, карта или имя" notFoundContent="Наберите телефон, карту или имя" />;
}

function ManualMessage() {
  const [form] = Form.useForm();
  const text: string = Form.useWatch('text', form) ?? '';
  const channel: string = Form.useWatch('channel', form) ?? 'sms';
  const parts = /^[\x20-\x7E\n\r]*$/.test(text) ? (text.length <= 160 ? 1 : Math.ceil(text.length / 153)) : text.length <= 70 ? 1 : Math.ceil(text.length / 67);
  const send = async (v: { customerId: string; channel: string; text: string; advertising?: boolean }) => {
    try {
      const m = await api<{ status: string; error: string | null }>('POST', '/messages', { ...v, advertising: v.advertising === true });
      if (m.status === 'skipped') message.warning(`Не отправлено: ${m.error}`);
      else message.success('Сообщение в очереди');
      form.resetFields(['text']);
    } catch (e) {
      if (e instanceof ApiError && e.field && ['customerId', 'channel', 'text'].includes(e.field)) form.setFields([{ name: e.field, errors: [e.fieldMessage] }]);
      else message.error((e as Error).message);
    }
  };
  return (
    <Card style={{ maxWidth: 640 }}>
      <Form form={form} layout="vertical" onFinish={send} initialValues={{ channel: 'sms', advertising: false }}>
        <Form.Item name="customerId" label="Клиент" rules={[{ required: true, message: 'Выберите клиента' }]}>
          <CustomerPicker />
        </Form.Item>
        <Form.Item name="channel" label="Канал">
          <Select options={CHANNEL_OPTIONS} />
        </Form.Item>
        <Form.Item name="text" label="Текст" rules={[{ required: true, message: 'Напишите текст' }]} extra={channel === 'sms' && text ? `${text.length} знаков, частей SMS: ${parts}` : undefined}>
          <Input.TextArea rows={3} maxLength={1000} />
        </Form.Item>
        <Form.Item name="advertising" valuePropName="checked" extra="Рекламное уходит только клиентам с согласием на рекламу (38-ФЗ ст. 18)">
          <Checkbox>Рекламное сообщение</Checkbox>
        </Form.Item>
        <Button type="primary" htmlType="submit">
          Отправить
        </Button>
      </Form>
    </Card>
  );
}

export function Messages() {
  return (
    <>
      <Typography.Paragraph type="secondary">Сообщения клиентам: каналы, правила и тексты автоматических сообщений, журнал всего отправленного.</Typography.Paragraph>
      <Tabs
        destroyInactiveTabPane
        items={[
          { key: 'providers', label: 'Каналы', children: <MessagesProviders /> },
          { key: 'rules', label: 'Правила', children: <MessagesRules /> },
          { key: 'templates', label: 'Шаблоны', children: <MessagesTemplates /> },
          { key: 'log', label: 'Журнал', children: <MessagesLog /> },
          { key: 'manual', label: 'Написать клиенту', children: <ManualMessage /> },
        ]}
      />
    </>
  );
}
