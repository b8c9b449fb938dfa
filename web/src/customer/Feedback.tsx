import { Alert, Button, Card, Form, Input, Rate, Result, Spin, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { api } from '../api';
import { dateTime, money } from '../format';

// The review page from the link in the message after a purchase: /feedback/<token>. No sign-in:
// the token is the pass, good for one review of one check.

interface Purchase {
  shop: string;
  amount: number;
  purchasedAt: string;
  left: boolean;
  rating: number | null;
  nps: number | null;
  text: string | null;
  answer: string | null;
}

const RATE_WORDS = ['Очень плохо', 'Плохо', 'Нормально', 'Хорошо', 'Отлично'];

/** 0–10 as a row of buttons: thumbs reach them on a phone, and the scale is seen whole. */
function Scale({ value, onChange }: { value?: number; onChange?: (v: number) => void }) {
  return (
    <div>
      <div style={{ display: 'grid', gridTemplateColumns: 'repeat(11, 1fr)', gap: 4 }}>
        {Array.from({ length: 11 }, (_, n) => (
          <Button key={n} aria-label={`${n}`} type={value === n ? 'primary' : 'default'} onClick={() => onChange?.(n)} style={{ padding: 0, minWidth: 0 }}>
            {n}
          </Button>
        ))}
      </div>
      <div style={{ display: 'flex', justifyContent: 'space-between', marginTop: 4 }}>
        <Typography.Text type="secondary">ни за что</Typography.Text>
        <Typography.Text type="secondary">обязательно</Typography.Text>
      </div>
    </div>
  );
}

export function Feedback({ token }: { token: string }) {
  const [p, setP] = useState<Purchase | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);
  useEffect(() => {
    api<Purchase>('GET', `/feedback/${encodeURIComponent(token)}`).then(setP, (e) => setError(e.message));
  }, [token]);
  const submit = async (v: { rating: number; nps: number; text?: string }) => {
    setBusy(true);
    setError(null);
    try {
      await api('POST', `/feedback/${encodeURIComponent(token)}`, { rating: v.rating, nps: v.nps, text: v.text || null });
      setDone(true);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  if (p === null && error !== null) return <Result status="404" title="Ссылка не работает" subTitle={error} />;
  if (p === null) return <Spin style={{ display: 'block', marginTop: '20vh' }} size="large" />;
  if (done || p.left) {
    return (
      <div style={{ maxWidth: 480, margin: '0 auto', padding: 16 }}>
        <Result status="success" title="Спасибо за отзыв!" subTitle={`«${p.shop}» прочитает его и, если нужно, ответит вам сообщением.`} />
        {p.answer && <Alert type="info" message={`Ответ магазина: ${p.answer}`} />}
      </div>
    );
  }
  return (
    <div style={{ maxWidth: 480, margin: '0 auto', padding: 16 }}>
      <Typography.Title level={3} style={{ marginTop: 8 }}>
        {p.shop}
      </Typography.Title>
      <Typography.Paragraph type="secondary">
        Покупка {dateTime(p.purchasedAt)} на {money(p.amount)}
      </Typography.Paragraph>
      <Card size="small">
        <Form layout="vertical" onFinish={submit} requiredMark={false}>
          <Form.Item name="rating" label="Как вам покупка?" rules={[{ required: true, message: 'Поставьте оценку от 1 до 5' }]}>
            <Rate tooltips={RATE_WORDS} style={{ fontSize: 36 }} />
          </Form.Item>
          <Form.Item name="nps" label="Насколько вероятно, что вы порекомендуете нас друзьям? (0–10)" rules={[{ required: true, message: 'Выберите от 0 до 10' }]}>
            <Scale />
          </Form.Item>
          <Form.Item name="text" label="Что понравилось, что улучшить?">
            <Input.TextArea rows={4} maxLength={2000} showCount placeholder="Необязательно" />
          </Form.Item>
          {error && <Alert type="error" message={error} style={{ marginBottom: 16 }} />}
          <Button type="primary" htmlType="submit" size="large" block loading={busy}>
            Отправить отзыв
          </Button>
        </Form>
      </Card>
    </div>
  );
}
