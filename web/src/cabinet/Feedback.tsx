import { Alert, Button, Card, Col, DatePicker, Input, InputNumber, Modal, Rate, Row, Select, Space, Statistic, Switch, Table, Tag, Typography, message } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useCallback, useEffect, useState } from 'react';
import { api } from '../api';
import { dateTime, money } from '../format';

// Reviews after purchases: the request's settings, NPS for the period by store, the reviews with
// filters, and the owner's answer (sent to the customer as a message).

interface Review {
  id: string;
  customerId: string;
  externalId: string | null;
  storeId: string | null;
  cashierId: string | null;
  amount: number;
  rating: number;
  nps: number;
  text: string | null;
  createdAt: string;
  answer: string | null;
  answeredAt: string | null;
}
interface Figures {
  responses: number;
  promoters: number;
  passives: number;
  detractors: number;
  nps: number | null;
}
interface Nps {
  total: Figures;
  stores: (Figures & { storeId: string | null })[];
}

function Settings() {
  const [s, setS] = useState<{ enabled: boolean; delayMinutes: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api<{ enabled: boolean; delayMinutes: number }>('GET', '/reviews/settings').then(setS, (e) => setError(e.message));
  }, []);
  const save = async () => {
    setError(null);
    try {
      setS(await api('PUT', '/reviews/settings', s));
      message.success('Сохранено');
    } catch (e) {
      setError((e as Error).message);
    }
  };
  if (s === null) return error ? <Alert type="error" message={error} /> : null;
  return (
    <Card size="small" style={{ marginBottom: 16 }}>
      <Space wrap>
        <Switch checked={s.enabled} onChange={(enabled) => setS({ ...s, enabled })} />
        <span>Просить отзыв после покупки через</span>
        <InputNumber min={0} max={10080} value={s.delayMinutes} onChange={(v) => setS({ ...s, delayMinutes: v ?? 0 })} addonAfter="мин" style={{ width: 140 }} />
        <Button type="primary" onClick={save}>
          Сохранить
        </Button>
      </Space>
      {error && <Alert type="error" message={error} style={{ marginTop: 8 }} />}
    </Card>
  );
}

const npsColor = (n: number | null) => (n === null ? undefined : n >= 30 ? '#389e0d' : n >= 0 ? '#d48806' : '#cf1322');

export function Feedback() {
  const [period, setPeriod] = useState<[Dayjs, Dayjs]>([dayjs().subtract(29, 'day'), dayjs()]);
  const [store, setStore] = useState<string>('');
  const [reviews, setReviews] = useState<Review[] | null>(null);
  const [nps, setNps] = useState<Nps | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [answering, setAnswering] = useState<Review | null>(null);
  const [answer, setAnswer] = useState('');
  const load = useCallback(() => {
    const q = `from=${period[0].format('YYYY-MM-DD')}&to=${period[1].format('YYYY-MM-DD')}`;
    api<{ reviews: Review[] }>('GET', `/reviews?${q}&limit=500${store ? `&storeId=${encodeURIComponent(store)}` : ''}`).then((r) => setReviews(r.reviews), (e) => setError(e.message));
    api<Nps>('GET', `/reviews/nps?${q}&by=store`).then(setNps, (e) => setError(e.message));
  }, [period, store]);
  useEffect(load, [load]);
  const send = async () => {
    try {
      await api('POST', `/reviews/${answering!.id}/answer`, { text: answer });
      message.success('Ответ отправлен покупателю');
      setAnswering(null);
      setAnswer('');
      load();
    } catch (e) {
      message.error((e as Error).message);
    }
  };
  const stores = (nps?.stores ?? []).map((s) => s.storeId).filter((s): s is string => s !== null);
  return (
    <>
      <Settings />
      <Space wrap style={{ marginBottom: 16 }}>
        <DatePicker.RangePicker value={period} onChange={(v) => v?.[0] && v[1] && setPeriod([v[0], v[1]])} allowClear={false} format="DD.MM.YYYY" />
        <Select value={store} onChange={setStore} style={{ minWidth: 180 }} options={[{ value: '', label: 'Все магазины' }, ...stores.map((s) => ({ value: s, label: `Магазин ${s}` }))]} />
      </Space>
      {error && <Alert type="error" message={error} style={{ marginBottom: 16 }} />}
      {nps && (
        <Row gutter={[16, 16]} style={{ marginBottom: 16 }}>
          <Col xs={24} md={8}>
            <Card>
              <Statistic title="NPS за период" value={nps.total.nps ?? '—'} valueStyle={{ color: npsColor(nps.total.nps) }} />
              <Typography.Text type="secondary">
                промоутеры: {nps.total.promoters} · нейтральные: {nps.total.passives} · критики: {nps.total.detractors}
              </Typography.Text>
            </Card>
          </Col>
          <Col xs={24} md={16}>
            <Table
              size="small"
              pagination={false}
              rowKey={(r) => r.storeId ?? '—'}
              dataSource={nps.stores}
              columns={[
                { title: 'Магазин', dataIndex: 'storeId', render: (s: string | null) => s ?? 'без магазина' },
                { title: 'Ответов', dataIndex: 'responses' },
                { title: 'Промоутеры (9–10)', dataIndex: 'promoters' },
                { title: 'Нейтральные (7–8)', dataIndex: 'passives' },
                { title: 'Критики (0–6)', dataIndex: 'detractors' },
                { title: 'NPS', dataIndex: 'nps', render: (n: number | null) => <b style={{ color: npsColor(n) }}>{n ?? '—'}</b> },
              ]}
            />
          </Col>
        </Row>
      )}
      <Table
        rowKey="id"
        loading={reviews === null}
        dataSource={reviews ?? []}
        scroll={{ x: true }}
        columns={[
          { title: 'Когда', dataIndex: 'createdAt', width: 110, render: dateTime },
          { title: 'Оценка', dataIndex: 'rating', width: 130, render: (r: number) => <Rate disabled value={r} style={{ fontSize: 14, whiteSpace: 'nowrap' }} /> },
          { title: 'Рекомендует', dataIndex: 'nps', width: 110, render: (n: number) => <Tag color={n >= 9 ? 'green' : n >= 7 ? 'gold' : 'red'}>{n}</Tag> },
          { title: 'Отзыв', dataIndex: 'text', render: (t: string | null) => t ?? <Typography.Text type="secondary">без текста</Typography.Text> },
          { title: 'Магазин / кассир', render: (_: unknown, r: Review) => `${r.storeId ?? '—'} / ${r.cashierId ?? '—'}` },
          {
            title: 'Чек',
            render: (_: unknown, r: Review) => (
              <>
                <div style={{ whiteSpace: 'nowrap' }}>{money(r.amount)}</div>
                <Typography.Text type="secondary">№ {r.externalId ?? '—'}</Typography.Text>
              </>
            ),
          },
          {
            title: 'Ответ',
            render: (_: unknown, r: Review) =>
              r.answer ?? (
                <Button size="small" onClick={() => setAnswering(r)}>
                  Ответить
                </Button>
              ),
          },
        ]}
      />
      <Modal open={answering !== null} title="Ответ покупателю" okText="Отправить" cancelText="Отмена" onOk={send} onCancel={() => setAnswering(null)} okButtonProps={{ disabled: answer.trim() === '' }}>
        {answering?.text && <Typography.Paragraph type="secondary">«{answering.text}»</Typography.Paragraph>}
        <Input.TextArea rows={4} maxLength={1000} value={answer} onChange={(e) => setAnswer(e.target.value)} placeholder="Ответ уйдёт покупателю сообщением" />
      </Modal>
    </>
  );
}
