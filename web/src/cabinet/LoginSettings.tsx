import { Alert, Button, Card, Descriptions, Form, Input, Spin, Typography, message } from 'antd';
import { useEffect, useState } from 'react';
import { api, ApiError } from '../api';
import { dateTime } from '../format';

// «Вход по логину»: the owner sets a login and a password of their own, to sign in to the cabinet
// without the admin key. Setting a new password ends the sessions opened with the old one.

interface Login {
  login: string;
  updatedAt: string;
}

export function LoginSettings() {
  const [current, setCurrent] = useState<Login | null | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [form] = Form.useForm<{ login: string; password: string; repeat: string }>();
  useEffect(() => {
    api<{ login: Login | null }>('GET', '/login').then((r) => {
      setCurrent(r.login);
      if (r.login) form.setFieldsValue({ login: r.login.login });
    }, (e) => setError(e.message));
  }, [form]);
  if (current === undefined) return error ? <Alert type="error" message={error} /> : <Spin />;
  const save = async (v: { login: string; password: string; repeat: string }) => {
    setBusy(true);
    setError(null);
    try {
      const r = await api<{ login: Login }>('PUT', '/login', { login: v.login.trim(), password: v.password });
      setCurrent(r.login);
      form.setFieldsValue({ password: '', repeat: '' });
      message.success('Логин и пароль сохранены');
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      if (e.field === 'login' || e.field === 'password') form.setFields([{ name: e.field, errors: [e.fieldMessage] }]);
      else setError(e.message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card title="Вход по логину" style={{ maxWidth: 560 }}>
      <Typography.Paragraph type="secondary">
        Задайте логин и пароль, чтобы входить в кабинет без ключа администратора. Ключ продолжает действовать. После 5 неверных паролей подряд вход по логину закрывается на 5 минут.
      </Typography.Paragraph>
      {current ? (
        <Descriptions size="small" column={1} style={{ marginBottom: 16 }}>
          <Descriptions.Item label="Логин">{current.login}</Descriptions.Item>
          <Descriptions.Item label="Пароль изменён">{dateTime(current.updatedAt)}</Descriptions.Item>
        </Descriptions>
      ) : (
        <Alert type="info" showIcon message="Логин ещё не задан: в кабинет входят только ключом" style={{ marginBottom: 16 }} />
      )}
      <Form form={form} layout="vertical" onFinish={save} autoComplete="off">
        <Form.Item name="login" label="Логин" rules={[{ required: true, message: 'Введите логин' }]} tooltip="Латинские буквы, цифры и . _ @ + -">
          <Input autoComplete="username" id="set-login" />
        </Form.Item>
        <Form.Item name="password" label={current ? 'Новый пароль' : 'Пароль'} rules={[{ required: true, message: 'Введите пароль' }, { min: 10, message: 'Не короче 10 знаков' }]}>
          <Input.Password autoComplete="new-password" id="set-password" />
        </Form.Item>
        <Form.Item
          name="repeat"
          label="Пароль ещё раз"
          dependencies={['password']}
          rules={[{ required: true, message: 'Повторите пароль' }, ({ getFieldValue }) => ({ validator: (_, v) => (v === getFieldValue('password') ? Promise.resolve() : Promise.reject(new Error('Пароли не совпадают'))) })]}
        >
          <Input.Password autoComplete="new-password" id="set-repeat" />
        </Form.Item>
        {error && <Alert type="error" showIcon message={error} style={{ marginBottom: 16 }} />}
        <Button type="primary" htmlType="submit" loading={busy}>
          {current ? 'Сменить логин и пароль' : 'Задать логин и пароль'}
        </Button>
      </Form>
    </Card>
  );
}
