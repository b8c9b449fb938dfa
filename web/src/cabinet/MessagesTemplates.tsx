import { Alert, Button, Card, Input, Space, Switch, Tag, Typography, message } from 'antd';
import { useEffect, useState } from 'react';
import { api } from '../api';

// Automatic messages: one template per event, on or off, with the placeholders the server
// accepts and a preview filled with sample values as the owner types.

interface Template {
  event: string;
  body: string;
  enabled: boolean;
  custom: boolean;
}

export const EVENTS: Record<string, { title: string; when: string }> = {
  customerRegistered: { title: 'Регистрация', when: 'клиент зарегистрирован' },
  firstPurchase: { title: 'Первая покупка', when: 'после первой покупки' },
  accrued: { title: 'Начисление', when: 'бонусы начислены за покупку' },
  redeemed: { title: 'Списание', when: 'покупка оплачена бонусами' },
  levelChanged: { title: 'Новый уровень', when: 'уровень клиента изменился' },
  gift: { title: 'Подарок', when: 'подарочные бонусы: день рождения, рассылка, вручную' },
  expired: { title: 'Сгорание', when: 'бонусы сгорели' },
  activated: { title: 'Бонусы доступны', when: 'отложенные бонусы стали доступны' },
  referralAccrued: { title: 'За друга', when: 'приглашённый друг сделал покупку' },
  burnSoon: { title: 'Скоро сгорят', when: 'за N дней до сгорания (правила)' },
  birthday: { title: 'День рождения', when: 'в день рождения клиента' },
  relativeBirthday: { title: 'День рождения близкого', when: 'в день рождения родственника клиента' },
};

const SAMPLE: Record<string, string> = { name: 'Анна', points: '150', balance: '1 250', level: 'Золотой', date: '30.11.2026', relative: 'Ольги' };

/** The server's render (communications/templates.ts) with sample values: what a customer would read. */
export function sample(body: string): string {
  return body
    .replace(/\{(\w+)\}/g, (_, k: string) => SAMPLE[k] ?? `{${k}}`)
    .replace(/\s+([,.!])/g, '$1')
    .replace(/^[,\s]+/, '');
}

function TemplateCard({ t, placeholders, saved }: { t: Template; placeholders: string[]; saved: (t: Template) => void }) {
  const [body, setBody] = useState(t.body);
  const [enabled, setEnabled] = useState(t.enabled);
  const [error, setError] = useState<string | null>(null);
  const dirty = body !== t.body || enabled !== t.enabled;
  const unknown = [...body.matchAll(/\{(\w+)\}/g)].map((m) => `{${m[1]}}`).filter((p) => !placeholders.includes(p));
  const submit = async () => {
    setError(null);
    try {
      saved(await api<Template>('PUT', `/messages/templates/${t.event}`, { body, enabled }));
      message.success(`Шаблон «${EVENTS[t.event]?.title ?? t.event}» сохранён`);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <Card
      size="small"
      id={`template-${t.event}`}
      title={
        <Space>
          <Switch size="small" checked={enabled} onChange={setEnabled} aria-label="включён" />
          {EVENTS[t.event]?.title ?? t.event}
          <Typography.Text type="secondary" style={{ fontWeight: 'normal' }}>
            {EVENTS[t.event]?.when}
          </Typography.Text>
        </Space>
      }
      extra={t.custom ? <Tag color="blue">свой текст</Tag> : <Tag>по умолчанию</Tag>}
      style={{ marginBottom: 12 }}
    >
      <Input.TextArea rows={2} maxLength={1000} value={body} onChange={(e) => setBody(e.target.value)} />
      <Space wrap size={4} style={{ margin: '6px 0' }}>
        {placeholders.map((p) => (
          <Tag key={p} style={{ cursor: 'pointer' }} onClick={() => setBody(`${body}${body.endsWith(' ') || body === '' ? '' : ' '}${p}`)}>
            {p}
          </Tag>
        ))}
      </Space>
      <div className="template-preview" style={{ background: '#f6ffed', border: '1px solid #b7eb8f', borderRadius: 8, padding: '6px 10px', opacity: enabled ? 1 : 0.5 }}>
        <Typography.Text type="secondary">Клиент увидит: </Typography.Text>
        {sample(body)}
      </div>
      {unknown.length > 0 && <Alert type="warning" showIcon style={{ marginTop: 8 }} message={`Неизвестная подстановка: ${unknown.join(', ')}`} />}
      {error && <Alert type="error" showIcon style={{ marginTop: 8 }} message={error} />}
      <Button type="primary" size="small" disabled={!dirty} onClick={submit} style={{ marginTop: 8 }}>
        Сохранить
      </Button>
    </Card>
  );
}

export function MessagesTemplates() {
  const [data, setData] = useState<{ placeholders: string[]; templates: Template[] } | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api<{ placeholders: string[]; templates: Template[] }>('GET', '/messages/templates').then(setData, (e) => setError(e.message));
  }, []);
  if (data === null) return error ? <Alert type="error" message={error} /> : null;
  const saved = (t: Template) => setData({ ...data, templates: data.templates.map((x) => (x.event === t.event ? t : x)) });
  return (
    <>
      <Typography.Paragraph type="secondary">
        Подстановки: {data.placeholders.join(' ')} — имя клиента, бонусы события, баланс, уровень, дата сгорания, имя близкого (только в «Дне рождения близкого»). Образец ниже заполнен примером.
      </Typography.Paragraph>
      {data.templates.map((t) => (
        <TemplateCard key={`${t.event}:${t.body}:${t.enabled}`} t={t} placeholders={data.placeholders} saved={saved} />
      ))}
    </>
  );
}
