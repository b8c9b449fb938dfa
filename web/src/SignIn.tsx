import { Alert, Button, Card, Form, Input, Typography } from 'antd';
import { useState } from 'react';
import { api, ApiError } from './api';

// Signing in with a key: it is sent once, in the Authorization header of one POST, and
// forgotten; the server answers with an HttpOnly session cookie the page never sees.
export function SignIn(props: { as: 'cabinet' | 'cashier'; title: string; hint: string; onDone: () => void }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (v: { key: string }) => {
    setBusy(true);
    setError(null);
    try {
      await api('POST', '/session', { as: props.as }, v.key.trim());
      props.onDone();
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div style={{ maxWidth: 440, margin: '10vh auto', padding: 16 }}>
      <Card>
        <Typography.Title level={3}>{props.title}</Typography.Title>
        <Typography.Paragraph type="secondary">{props.hint}</Typography.Paragraph>
        <Form layout="vertical" onFinish={submit} autoComplete="off">
          <Form.Item name="key" label="Ключ доступа" rules={[{ required: true, message: 'Введите ключ' }]}>
            <Input.Password placeholder={props.as === 'cabinet' ? 'kp_admin_…' : 'kp_cashier_…'} size="large" />
          </Form.Item>
          {error && <Alert type="error" showIcon message={error} style={{ marginBottom: 16 }} />}
          <Button type="primary" htmlType="submit" size="large" block loading={busy}>
            Войти
          </Button>
        </Form>
      </Card>
    </div>
  );
}
