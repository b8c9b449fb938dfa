import { Alert, Button, Card, Form, Input, Modal, Popconfirm, Select, Table, Tag, Typography } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { api } from '../api';
import { dateTime } from '../format';

// Channels and keys: a key per till, shop or integration. A new key is shown once, here; the
// server keeps only its hash. Revoking a key also signs out the pages opened with it.

interface KeyView {
  id: string;
  role: 'admin' | 'channel';
  channel: string | null;
  storeId: string | null;
  createdAt: string;
  revokedAt: string | null;
}

const CHANNELS = [
  { value: 'cashier', label: 'Рабочее место кассира (страница /cashier)' },
  { value: 'api', label: 'Своя интеграция (API)' },
  { value: 'onec', label: '1С' },
  { value: 'moysklad', label: 'МойСклад' },
  { value: 'frontol', label: 'Frontol' },
  { value: 'evotor', label: 'Эвотор' },
];

export function Keys() {
  const [items, setItems] = useState<KeyView[] | null>(null);
  const [shown, setShown] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tenantId, setTenantId] = useState<string | null>(null);
  useEffect(() => {
    api<{ tenantId: string }>('GET', '/session?as=cabinet').then((s) => setTenantId(s.tenantId), () => undefined);
  }, []);
  const load = useCallback(() => {
    api<{ items: KeyView[] }>('GET', '/keys').then((r) => setItems(r.items), (e) => setError(e.message));
  }, []);
  useEffect(load, [load]);
  const issue = async (v: { channel: string; storeId?: string }) => {
    try {
      const r = await api<{ key: string }>('POST', '/keys', { channel: v.channel, storeId: v.storeId || null });
      setShown(r.key);
      load();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const revoke = async (id: string) => {
    await api('DELETE', `/keys/${id}`).catch((e) => setError(e.message));
    load();
  };
  return (
    <>
      <Card title="Выпустить ключ" style={{ marginBottom: 16 }}>
        <Form layout="inline" onFinish={issue} initialValues={{ channel: 'cashier' }} style={{ rowGap: 8 }}>
          <Form.Item name="channel" label="Канал">
            <Select options={CHANNELS} style={{ width: 320 }} />
          </Form.Item>
          <Form.Item name="storeId" label="Магазин">
            <Input placeholder="необязательно, например shop-1" />
          </Form.Item>
          <Button type="primary" htmlType="submit">
            Выпустить
          </Button>
        </Form>
      </Card>
      {tenantId && (
        <Card title="Ссылки для клиентов" size="small" style={{ marginBottom: 16 }}>
          <Typography.Paragraph style={{ marginBottom: 4 }}>
            Регистрация (для QR-кода на кассе, сайта, рассылок):{' '}
            <Typography.Text copyable code>{`${window.location.origin}/join/${tenantId}`}</Typography.Text>
          </Typography.Paragraph>
          <Typography.Paragraph style={{ marginBottom: 0 }}>
            Кабинет клиента: <Typography.Text copyable code>{`${window.location.origin}/me/${tenantId}`}</Typography.Text>
          </Typography.Paragraph>
        </Card>
      )}
      {error && <Alert type="error" message={error} style={{ marginBottom: 16 }} />}
      <Table<KeyView>
        rowKey="id"
        loading={items === null}
        dataSource={items ?? []}
        scroll={{ x: 700 }}
        columns={[
          { title: '№', dataIndex: 'id' },
          { title: 'Кто', render: (_, k) => (k.role === 'admin' ? <Tag color="red">администратор</Tag> : <Tag color="blue">{k.channel}</Tag>) },
          { title: 'Магазин', dataIndex: 'storeId', render: (v) => v ?? '—' },
          { title: 'Выпущен', dataIndex: 'createdAt', render: (v) => dateTime(v) },
          {
            title: 'Состояние',
            render: (_, k) =>
              k.role === 'admin' ? (
                <Tag color="green">действует</Tag>
              ) : k.revokedAt ? (
                <Tag>отозван {dateTime(k.revokedAt)}</Tag>
              ) : (
                <Popconfirm title="Отозвать ключ? Кассы с ним перестанут работать." onConfirm={() => revoke(k.id)}>
                  <Button size="small" danger>
                    Отозвать
                  </Button>
                </Popconfirm>
              ),
          },
        ]}
      />
      <Modal open={shown !== null} title="Новый ключ" onOk={() => setShown(null)} onCancel={() => setShown(null)} cancelButtonProps={{ style: { display: 'none' } }} okText="Я сохранил ключ">
        <Typography.Paragraph>Ключ показывается один раз. Скопируйте его и введите на кассе:</Typography.Paragraph>
        <Typography.Paragraph code copyable id="new-key" style={{ wordBreak: 'break-all' }}>
          {shown}
        </Typography.Paragraph>
      </Modal>
    </>
  );
}
