import { Alert, Button, Card, Col, Descriptions, Form, Input, Row, Spin, Table, Tag, message } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { api, ApiError, newId } from '../api';
import { dateTime, money, parseHundredths, points, POSTING_KINDS, type Customer, type Posting } from '../format';
import { Balance, type BalanceWords } from '../Balance';
import { navigate } from '../nav';
import { LevelAndCard, Profile } from './CustomerEdit';

const OWNER_WORDS: BalanceWords = { available: 'Доступно баллов', pending: 'Ожидают активации', toNext: (l) => `До уровня «${l}» осталось купить на`, top: 'Высший уровень программы.' };

/** The card's customer: the summary and what only the cabinet shows. */
export interface CardCustomer extends Customer {
  gender: 'male' | 'female' | null;
  birthDate: string | null;
  email: string | null;
  comment: string | null;
  source: string | null;
  assignedLevel: string | null;
}

// A customer's card: balance, level and the way to the next one, the history of postings,
// bonuses granted by hand with a reason (kept in the history and the audit), the customer's data,
// a level assigned by hand, and a new card number.
export function CustomerCard({ id }: { id: string }) {
  const [data, setData] = useState<{ customer: CardCustomer; history: Posting[] } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(() => {
    api<{ customer: CardCustomer; history: Posting[] }>('GET', `/customers/${encodeURIComponent(id)}`).then(setData, (e) => setError(e.message));
  }, [id]);
  useEffect(load, [load]);
  if (error) return <Alert type="error" message={error} />;
  if (data === null) return <Spin />;
  const c = data.customer;
  return (
    <>
      <Button type="link" onClick={() => navigate('/cabinet/customers')} style={{ padding: 0, marginBottom: 8 }}>
        ← Все клиенты
      </Button>
      <Row gutter={[16, 16]}>
        <Col xs={24} lg={14}>
          <Card title={c.name || c.phone || `Клиент ${c.id}`} extra={<Tag color="volcano">{c.level.name}</Tag>}>
            <Balance c={c} words={OWNER_WORDS} />
            <Descriptions column={{ xs: 1, sm: 2, md: 2, lg: 2, xl: 2, xxl: 2 }} size="small" style={{ marginTop: 16 }}>
              <Descriptions.Item label="Телефон">{c.phone ?? '—'}</Descriptions.Item>
              <Descriptions.Item label="Карта">{c.cardNumber ?? '—'}</Descriptions.Item>
              <Descriptions.Item label="Покупок">{c.purchases}</Descriptions.Item>
              <Descriptions.Item label="На сумму">{money(c.totalSpent)}</Descriptions.Item>
              <Descriptions.Item label="Последняя покупка">{dateTime(c.lastPurchaseAt)}</Descriptions.Item>
              <Descriptions.Item label="Зарегистрирован">{dateTime(c.registeredAt)}</Descriptions.Item>
              <Descriptions.Item label="Реферальный код">{c.referralCode}</Descriptions.Item>
              <Descriptions.Item label="Откуда пришёл">{c.source ?? '—'}</Descriptions.Item>
            </Descriptions>
            <Button type="link" style={{ padding: 0 }} onClick={() => navigate(`/cabinet/checks?customer=${c.id}`)}>
              Чеки клиента →
            </Button>
          </Card>
          <Profile c={c} onDone={load} />
        </Col>
        <Col xs={24} lg={10}>
          <Grant id={c.id} onDone={load} />
          <LevelAndCard c={c} onDone={load} />
        </Col>
      </Row>
      <Card title="История" style={{ marginTop: 16 }}>
        <Table<Posting>
          rowKey="id"
          size="small"
          dataSource={data.history}
          pagination={{ pageSize: 20 }}
          scroll={{ x: 600 }}
          columns={[
            { title: 'Когда', dataIndex: 'at', render: (v) => dateTime(v) },
            { title: 'Что', dataIndex: 'kind', render: (k) => POSTING_KINDS[k] ?? k },
            { title: 'Чек', dataIndex: 'externalId', render: (v) => (v as string | null) ?? '—' },
            { title: 'Баллы', dataIndex: 'change', align: 'right', render: (v: number) => <span style={{ color: v < 0 ? '#cf1322' : v > 0 ? '#389e0d' : undefined }}>{v > 0 ? '+' : ''}{points(v)}</span> },
          ]}
        />
      </Card>
    </>
  );
}

function Grant({ id, onDone }: { id: string; onDone: () => void }) {
  const [form] = Form.useForm<{ points: string; reason: string }>();
  const [busy, setBusy] = useState(false);
  const [key, setKey] = useState(newId);
  const submit = async (v: { points: string; reason: string }) => {
    const hundredths = parseHundredths(v.points);
    if (hundredths === null || hundredths < 1) return form.setFields([{ name: 'points', errors: ['Число баллов, например 150 или 99,50'] }]);
    setBusy(true);
    try {
      await api('POST', `/customers/${encodeURIComponent(id)}/grants`, { points: hundredths, reason: v.reason, key });
      message.success('Бонусы начислены');
      form.resetFields();
      setKey(newId());
      onDone();
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      form.setFields([{ name: e.field === 'reason' ? 'reason' : 'points', errors: [e.fieldMessage] }]);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card title="Начислить вручную">
      <Form form={form} layout="vertical" onFinish={submit}>
        <Form.Item name="points" label="Баллов" rules={[{ required: true, message: 'Сколько баллов' }]}>
          <Input inputMode="decimal" />
        </Form.Item>
        <Form.Item name="reason" label="Причина" rules={[{ required: true, message: 'Причину увидят в истории' }]}>
          <Input.TextArea rows={2} maxLength={500} />
        </Form.Item>
        <Button type="primary" htmlType="submit" loading={busy}>
          Начислить
        </Button>
      </Form>
    </Card>
  );
}
