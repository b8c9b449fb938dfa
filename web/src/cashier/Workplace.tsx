import { Alert, Button, Card, Checkbox, Col, Descriptions, Form, Input, InputNumber, Result, Row, Space, Statistic, Table, Tag } from 'antd';
import { useState } from 'react';
import { api, ApiError, newId } from '../api';
import { money, parseHundredths, points, type Customer } from '../format';

// One sale at a time: find or register the customer, enter lines (or one line for the total),
// price it, pay with bonuses up to what the program allows, commit; a committed sale can be
// returned whole. The sale's id is made once per sale, so a repeated commit records it once.

interface Line {
  name: string;
  price: number; // kopecks
  quantity: number;
}

interface Priced {
  totals: { amount: number; discount: number; redeemed: number; toPay: number; accrued: number; maxRedeem: number };
  customer: { balance: { available: number } } | null;
}

export function Workplace() {
  const [customer, setCustomer] = useState<Customer | null>(null);
  // After a sale or a return the balance shown is read again from the server.
  const refresh = () => {
    if (customer?.phone) api<{ customer: Customer | null }>('GET', `/cashier/customer?q=${encodeURIComponent(customer.phone)}`).then((r) => setCustomer(r.customer), () => undefined);
  };
  return (
    <Row gutter={[16, 16]}>
      <Col xs={24} lg={10}>
        <CustomerPanel customer={customer} onCustomer={setCustomer} />
      </Col>
      <Col xs={24} lg={14}>
        <Sale customer={customer} onDone={() => setCustomer(null)} onChanged={refresh} />
      </Col>
    </Row>
  );
}

function CustomerPanel({ customer, onCustomer }: { customer: Customer | null; onCustomer: (c: Customer | null) => void }) {
  const [q, setQ] = useState('');
  const [notFound, setNotFound] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const find = async () => {
    setError(null);
    try {
      const r = await api<{ customer: Customer | null }>('GET', `/cashier/customer?q=${encodeURIComponent(q)}`);
      setNotFound(r.customer === null);
      onCustomer(r.customer);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  if (customer !== null) {
    return (
      <Card title="Клиент" extra={<Button onClick={() => onCustomer(null)}>Другой клиент</Button>}>
        <Statistic title="Доступно баллов" value={points(customer.balance.available)} valueStyle={{ fontSize: 40 }} />
        <Descriptions column={1} size="small" style={{ marginTop: 12 }}>
          <Descriptions.Item label="Телефон">{customer.phone}</Descriptions.Item>
          {customer.name && <Descriptions.Item label="Имя">{customer.name}</Descriptions.Item>}
          <Descriptions.Item label="Уровень">
            <Tag color="volcano">{customer.level.name}</Tag>
          </Descriptions.Item>
          {customer.balance.pending > 0 && <Descriptions.Item label="Ожидают активации">{points(customer.balance.pending)}</Descriptions.Item>}
        </Descriptions>
      </Card>
    );
  }
  return (
    <Card title="Клиент">
      <Space.Compact style={{ width: '100%' }}>
        <Input id="cashier-find" size="large" placeholder="Телефон или номер карты" value={q} onChange={(e) => setQ(e.target.value)} onPressEnter={find} inputMode="tel" />
        <Button size="large" type="primary" onClick={find}>
          Найти
        </Button>
      </Space.Compact>
      {error && <Alert type="error" message={error} style={{ marginTop: 12 }} />}
      {notFound && <Register phone={q} onDone={onCustomer} />}
    </Card>
  );
}

function Register({ phone, onDone }: { phone: string; onDone: (c: Customer) => void }) {
  const [form] = Form.useForm();
  // Set when the server sent the customer a code and asks for it (SMS configured for the shop).
  const [codeNote, setCodeNote] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (v: { phone: string; name?: string; cardNumber?: string; consent?: boolean; advertising?: boolean; code?: string }) => {
    setBusy(true);
    try {
      const r = await api<{ customer: Customer }>('POST', '/cashier/customers', { phone: v.phone, name: v.name || null, cardNumber: v.cardNumber || null, consent: v.consent === true, advertising: v.advertising === true, code: v.code || null });
      onDone(r.customer);
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      if (e.field === 'code' && codeNote === null) setCodeNote(e.fieldMessage);
      else {
        const field = e.field === 'code' || e.field === 'name' || e.field === 'cardNumber' || e.field === 'consent' ? e.field : 'phone';
        form.setFields([{ name: field, errors: [e.fieldMessage] }]);
      }
    } finally {
      setBusy(false);
    }
  };
  return (
    <div style={{ marginTop: 16 }}>
      <Alert type="info" message="Клиент не найден. Зарегистрируйте его:" style={{ marginBottom: 12 }} />
      <Form form={form} layout="vertical" onFinish={submit} initialValues={{ phone }}>
        <Form.Item name="phone" label="Телефон" rules={[{ required: true, message: 'Телефон клиента' }]}>
          <Input size="large" inputMode="tel" />
        </Form.Item>
        <Form.Item name="name" label="Имя">
          <Input size="large" />
        </Form.Item>
        <Form.Item name="cardNumber" label="Номер карты">
          <Input size="large" placeholder="если выдали карту" />
        </Form.Item>
        {codeNote !== null && (
          <Form.Item name="code" label="Код из SMS" extra={codeNote} rules={[{ required: true, message: 'Введите код, который назовёт клиент' }]}>
            <Input size="large" inputMode="numeric" maxLength={6} autoFocus />
          </Form.Item>
        )}
        <Form.Item name="consent" valuePropName="checked" rules={[{ validator: (_, v) => (v ? Promise.resolve() : Promise.reject(new Error('Без согласия клиента регистрировать нельзя'))) }]}>
          <Checkbox>Клиент согласен участвовать в программе лояльности и на обработку персональных данных</Checkbox>
        </Form.Item>
        <Form.Item name="advertising" valuePropName="checked">
          <Checkbox>Клиент согласен получать рекламные сообщения (акции, подарки) — необязательно</Checkbox>
        </Form.Item>
        <Button type="primary" htmlType="submit" size="large" block loading={busy}>
          {codeNote === null ? 'Зарегистрировать' : 'Подтвердить код'}
        </Button>
      </Form>
    </div>
  );
}

function Sale({ customer, onDone, onChanged }: { customer: Customer | null; onDone: () => void; onChanged: () => void }) {
  const [lines, setLines] = useState<Line[]>([]);
  const [draft, setDraft] = useState<{ name: string; price: string; quantity: number }>({ name: '', price: '', quantity: 1 });
  const [redeem, setRedeem] = useState<string>('');
  const [priced, setPriced] = useState<Priced | null>(null);
  const [saleId, setSaleId] = useState(newId);
  const [done, setDone] = useState<{ id: string; result: Priced } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const body = (r: number | 'max') => ({ externalId: saleId, customerId: customer?.id ?? null, lines, redeem: r });
  const redeemValue = (): number | null => (redeem.trim() === '' ? 0 : parseHundredths(redeem));
  const addLine = () => {
    const price = parseHundredths(draft.price);
    if (price === null || price < 1) return setError('Цена — число рублей, например 350 или 99,90');
    setLines([...lines, { name: draft.name.trim() || 'Товар', price, quantity: draft.quantity }]);
    setDraft({ name: '', price: '', quantity: 1 });
    setPriced(null);
    setError(null);
  };
  const run = async (what: 'calculate' | 'commit', r: number | 'max') => {
    setBusy(true);
    setError(null);
    try {
      const res = await api<Priced>('POST', `/cashier/${what}`, body(r));
      if (what === 'calculate') {
        setPriced(res);
        if (r === 'max') setRedeem(String(res.totals.redeemed / 100).replace('.', ','));
      } else {
        setDone({ id: saleId, result: res });
        onChanged();
      }
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const reset = () => {
    setLines([]);
    setRedeem('');
    setPriced(null);
    setDone(null);
    setSaleId(newId());
    onDone();
  };
  if (done !== null) return <Done sale={done} onNext={reset} onRefunded={onChanged} />;
  const total = lines.reduce((a, l) => a + l.price * l.quantity, 0);
  return (
    <Card title="Продажа">
      <Row gutter={8}>
        <Col xs={24} md={10}>
          <Input id="line-name" size="large" placeholder="Товар (или «Итого»)" value={draft.name} onChange={(e) => setDraft({ ...draft, name: e.target.value })} style={{ marginBottom: 8 }} />
        </Col>
        <Col xs={10} md={6}>
          <Input id="line-price" size="large" placeholder="Цена, ₽" inputMode="decimal" value={draft.price} onChange={(e) => setDraft({ ...draft, price: e.target.value })} onPressEnter={addLine} style={{ marginBottom: 8 }} />
        </Col>
        <Col xs={6} md={4}>
          <InputNumber aria-label="Количество" size="large" min={1} value={draft.quantity} onChange={(v) => setDraft({ ...draft, quantity: v ?? 1 })} style={{ width: '100%', marginBottom: 8 }} />
        </Col>
        <Col xs={8} md={4}>
          <Button id="line-add" size="large" block onClick={addLine}>
            Добавить
          </Button>
        </Col>
      </Row>
      <Table<Line & { n: number }>
        rowKey="n"
        size="small"
        pagination={false}
        dataSource={lines.map((l, n) => ({ ...l, n }))}
        locale={{ emptyText: 'Добавьте товары или одну строку на сумму чека' }}
        columns={[
          { title: 'Товар', dataIndex: 'name' },
          { title: 'Цена', dataIndex: 'price', align: 'right', render: (v) => money(v) },
          { title: 'Кол-во', dataIndex: 'quantity', align: 'right' },
          { title: 'Сумма', align: 'right', render: (_, l) => money(l.price * l.quantity) },
          { title: '', render: (_, l) => <Button size="small" type="text" danger onClick={() => { setLines(lines.filter((_, i) => i !== l.n)); setPriced(null); }}>✕</Button> },
        ]}
        style={{ margin: '8px 0 16px' }}
      />
      <Space wrap style={{ marginBottom: 16 }}>
        <span>Итого: <b>{money(total)}</b></span>
        {customer && (
          <>
            <Input id="redeem" size="large" style={{ width: 160 }} placeholder="Оплатить баллами" inputMode="decimal" value={redeem} onChange={(e) => { setRedeem(e.target.value); setPriced(null); }} />
            <Button size="large" disabled={lines.length === 0} onClick={() => run('calculate', 'max')}>
              Максимум
            </Button>
          </>
        )}
        <Button id="calculate" size="large" disabled={lines.length === 0} loading={busy} onClick={() => { const r = redeemValue(); if (r === null) setError('Баллы — число, например 100 или 12,50'); else run('calculate', r); }}>
          Рассчитать
        </Button>
      </Space>
      {priced && (
        <Descriptions bordered column={1} size="small" style={{ marginBottom: 16 }} id="priced">
          <Descriptions.Item label="Сумма">{money(priced.totals.amount)}</Descriptions.Item>
          <Descriptions.Item label="Скидка">{money(priced.totals.discount)}</Descriptions.Item>
          <Descriptions.Item label="Оплата баллами">{points(priced.totals.redeemed)} (можно до {points(priced.totals.maxRedeem)})</Descriptions.Item>
          <Descriptions.Item label="Начислится">{points(priced.totals.accrued)}</Descriptions.Item>
          <Descriptions.Item label="К оплате деньгами">
            <b style={{ fontSize: 20 }}>{money(priced.totals.toPay)}</b>
          </Descriptions.Item>
        </Descriptions>
      )}
      {error && <Alert type="error" showIcon message={error} style={{ marginBottom: 16 }} id="sale-error" />}
      <Button id="commit" type="primary" size="large" block disabled={priced === null} loading={busy} onClick={() => run('commit', redeemValue() ?? 0)}>
        Провести продажу
      </Button>
    </Card>
  );
}

function Done({ sale, onNext, onRefunded }: { sale: { id: string; result: Priced }; onNext: () => void; onRefunded: () => void }) {
  const [refunded, setRefunded] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const t = sale.result.totals;
  const refund = async () => {
    try {
      await api('POST', '/cashier/refund', { saleId: sale.id });
      setRefunded(true);
      onRefunded();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <Card>
      <Result
        status={refunded ? 'info' : 'success'}
        title={refunded ? 'Продажа возвращена' : 'Продажа проведена'}
        subTitle={`К оплате ${money(t.toPay)} · оплачено баллами ${points(t.redeemed)} · начислено ${points(t.accrued)}${sale.result.customer ? ` · баланс ${points(sale.result.customer.balance.available)}` : ''}`}
        extra={[
          <Button key="next" type="primary" size="large" onClick={onNext} id="next-sale">
            Следующая продажа
          </Button>,
          !refunded && (
            <Button key="refund" size="large" danger onClick={refund}>
              Вернуть продажу
            </Button>
          ),
        ]}
      />
      {error && <Alert type="error" message={error} />}
    </Card>
  );
}
