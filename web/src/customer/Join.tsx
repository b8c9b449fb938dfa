import { Alert, Button, Card, Checkbox, DatePicker, Form, Input, List, Result, Typography } from 'antd';
import type { Dayjs } from 'dayjs';
import { useEffect, useState } from 'react';
import { api, ApiError } from '../api';
import { money, points } from '../format';
import { navigate } from '../nav';

// Self-registration by the shop's link or QR code: /join/<tenant>, with ?ref=<code> when a friend
// shared it. The phone is confirmed by a code sent by SMS; the customer agrees to the terms.

interface Teaser {
  levels: { name: string; threshold: number; accrualPercent: number | null; maxRedeemPercent: number }[];
  selfRegistrationGift: number | null;
}

export function Join({ tenantId }: { tenantId: string }) {
  const query = new URLSearchParams(window.location.search);
  const ref = query.get('ref');
  // Where the link was given (a campaign, a poster, a shop's QR): recorded as the customer's source.
  const source = query.get('source');
  const store = query.get('store');
  const [teaser, setTeaser] = useState<Teaser | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [codeNote, setCodeNote] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [form] = Form.useForm();
  useEffect(() => {
    api<Teaser>('GET', `/join/${encodeURIComponent(tenantId)}`).then(setTeaser, (e) => setError(e.message));
  }, [tenantId]);
  const submit = async (v: { phone: string; name?: string; birthDate?: Dayjs; consent?: boolean; advertising?: boolean; code?: string }) => {
    setBusy(true);
    setError(null);
    try {
      await api('POST', '/join', { tenantId, phone: v.phone, name: v.name || null, birthDate: v.birthDate ? v.birthDate.format('YYYY-MM-DD') : null, referrerCode: ref, source, store, consent: v.consent === true, advertising: v.advertising === true, code: v.code || null });
      navigate(`/me/${encodeURIComponent(tenantId)}`);
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      if (e.field === 'code' && codeNote === null) setCodeNote(e.fieldMessage);
      else if (e.field === 'code' || e.field === 'phone' || e.field === 'name') form.setFields([{ name: e.field, errors: [e.fieldMessage] }]);
      else setError(e.message);
    } finally {
      setBusy(false);
    }
  };
  if (teaser === null && error !== null) return <Result status="404" title="Ссылка не работает" subTitle={error} />;
  return (
    <div style={{ maxWidth: 480, margin: '0 auto', padding: 16 }}>
      <Typography.Title level={2}>Вступить в программу лояльности</Typography.Title>
      {teaser && (
        <Card size="small" style={{ marginBottom: 16 }}>
          {teaser.selfRegistrationGift !== null && (
            <Typography.Paragraph strong>
              В подарок за регистрацию — {points(teaser.selfRegistrationGift)} баллов.
            </Typography.Paragraph>
          )}
          <List
            size="small"
            dataSource={teaser.levels}
            renderItem={(l) => (
              <List.Item>
                <b>{l.name}</b>
                {l.threshold > 0 ? ` от ${money(l.threshold)} покупок` : ''}
                {l.accrualPercent !== null ? ` · ${l.accrualPercent}% баллами` : ''} · оплата баллами до {l.maxRedeemPercent}% чека
              </List.Item>
            )}
          />
        </Card>
      )}
      {ref && <Alert type="success" message="Вас пригласил друг: его код учтён." style={{ marginBottom: 16 }} />}
      <Form form={form} layout="vertical" onFinish={submit}>
        <Form.Item name="phone" label="Телефон" rules={[{ required: true, message: 'Ваш телефон' }]}>
          <Input size="large" inputMode="tel" placeholder="+7 999 123-45-67" />
        </Form.Item>
        <Form.Item name="name" label="Имя">
          <Input size="large" />
        </Form.Item>
        <Form.Item name="birthDate" label="День рождения" extra="Для подарка ко дню рождения, если он есть в программе">
          <DatePicker size="large" format="DD.MM.YYYY" style={{ width: '100%' }} />
        </Form.Item>
        {codeNote !== null && (
          <Form.Item name="code" label="Код из SMS" extra={codeNote} rules={[{ required: true, message: 'Введите код из SMS' }]}>
            <Input size="large" inputMode="numeric" maxLength={6} autoFocus />
          </Form.Item>
        )}
        <Form.Item name="consent" valuePropName="checked" rules={[{ validator: (_, v) => (v ? Promise.resolve() : Promise.reject(new Error('Без согласия зарегистрироваться нельзя'))) }]}>
          <Checkbox>Я согласен(на) с правилами программы лояльности и на обработку моих персональных данных для её работы</Checkbox>
        </Form.Item>
        <Form.Item name="advertising" valuePropName="checked">
          <Checkbox>Хочу получать сообщения об акциях и подарках (необязательно)</Checkbox>
        </Form.Item>
        {error && <Alert type="error" showIcon message={error} style={{ marginBottom: 16 }} />}
        <Button type="primary" htmlType="submit" size="large" block loading={busy}>
          {codeNote === null ? 'Получить код' : 'Зарегистрироваться'}
        </Button>
      </Form>
    </div>
  );
}
