import { Alert, Button, Card, Form, Input, Tabs, Typography } from 'antd';
import { useState } from 'react';
import { api, ApiError } from './api';

// Signing in with a key: it is sent once, in the Authorization header of one POST, and
// forgotten; the server answers with an HttpOnly session cookie the page never sees. The cabinet
// also takes the owner's own login and password, once they have set them in the cabinet.

function useSubmit(onDone: () => void) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const run = async (call: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await call();
      onDone();
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  return { error, busy, run };
}

function KeyForm({ as, onDone }: { as: 'cabinet' | 'cashier'; onDone: () => void }) {
  const { error, busy, run } = useSubmit(onDone);
  return (
    <Form layout="vertical" onFinish={(v: { key: string }) => run(() => api('POST', '/session', { as }, v.key.trim()))} autoComplete="off">
      <Form.Item name="key" label="Ключ доступа" rules={[{ required: true, message: 'Введите ключ' }]}>
        <Input.Password placeholder={as === 'cabinet' ? 'kp_admin_…' : 'kp_cashier_…'} size="large" />
      </Form.Item>
      {error && <Alert type="error" showIcon message={error} style={{ marginBottom: 16 }} />}
      <Button type="primary" htmlType="submit" size="large" block loading={busy}>
        Войти
      </Button>
    </Form>
  );
}

function LoginForm({ onDone }: { onDone: () => void }) {
  const { error, busy, run } = useSubmit(onDone);
  return (
    <Form layout="vertical" onFinish={(v: { login: string; password: string }) => run(() => api('POST', '/session/login', { login: v.login.trim(), password: v.password }))}>
      <Form.Item name="login" label="Логин" rules={[{ required: true, message: 'Введите логин' }]}>
        <Input size="large" autoComplete="username" id="sign-in-login" />
      </Form.Item>
      <Form.Item name="password" label="Пароль" rules={[{ required: true, message: 'Введите пароль' }]}>
        <Input.Password size="large" autoComplete="current-password" id="sign-in-password" />
      </Form.Item>
      {error && <Alert type="error" showIcon message={error} style={{ marginBottom: 16 }} />}
      <Button type="primary" htmlType="submit" size="large" block loading={busy}>
        Войти по логину
      </Button>
    </Form>
  );
}

export function SignIn(props: { as: 'cabinet' | 'cashier'; title: string; hint: string; onDone: () => void }) {
  return (
    <div style={{ maxWidth: 440, margin: '10vh auto', padding: 16 }}>
      <Card>
        <Typography.Title level={3}>{props.title}</Typography.Title>
        <Typography.Paragraph type="secondary">{props.hint}</Typography.Paragraph>
        {props.as === 'cashier' ? (
          <KeyForm as="cashier" onDone={props.onDone} />
        ) : (
          <Tabs
            items={[
              { key: 'key', label: 'Ключ администратора', children: <KeyForm as="cabinet" onDone={props.onDone} /> },
              { key: 'login', label: 'Логин и пароль', children: <LoginForm onDone={props.onDone} /> },
            ]}
          />
        )}
      </Card>
    </div>
  );
}
