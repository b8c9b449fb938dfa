import { DownloadOutlined } from '@ant-design/icons';
import { Alert, Button, Card, DatePicker, Form, Input, InputNumber, Radio, Select, Space, Table, Tag } from 'antd';
import type { Dayjs } from 'dayjs';
import { useEffect, useState } from 'react';
import { api, ApiError } from '../api';
import { dateTime, money } from '../format';
import { navigate } from '../nav';

// «Подарочные сертификаты»: a batch issued here (count, nominal in roubles, validity from the sale
// or to a date, a prefix) and downloaded as CSV for printing; the list by status and code, a page
// of 20 at a time with the total; a row opens the certificate (GiftcardCard.tsx). The till sells
// a certificate (activates it) and takes it as payment; the owner blocks one from its card.

export type GiftcardStatus = 'issued' | 'active' | 'used' | 'expired' | 'blocked';

export interface GiftcardRow {
  code: string;
  nominal: number;
  balance: number;
  status: GiftcardStatus;
  validTo: string | null;
  validDays: number | null;
  soldAt: string | null;
  soldStore: string | null;
  batch: string;
  blocked: { at: string; by: string; reason: string } | null;
}

const STATUS: Record<GiftcardStatus, { label: string; color: string }> = {
  issued: { label: 'не продан', color: 'default' },
  active: { label: 'действует', color: 'green' },
  used: { label: 'использован', color: 'blue' },
  expired: { label: 'просрочен', color: 'orange' },
  blocked: { label: 'заблокирован', color: 'red' },
};
export const statusTag = (s: GiftcardStatus) => <Tag color={STATUS[s].color}>{STATUS[s].label}</Tag>;
export const day = (iso: string | null) => (iso === null ? '—' : new Date(iso).toLocaleDateString('ru-RU'));

const PAGE = 20;

export function Giftcards() {
  const [status, setStatus] = useState<GiftcardStatus | 'all'>('all');
  const [prefix, setPrefix] = useState('');
  const [page, setPage] = useState(1);
  const [data, setData] = useState<{ items: GiftcardRow[]; total: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [reload, setReload] = useState(0);
  const query = () => {
    const p = new URLSearchParams();
    if (status !== 'all') p.set('status', status);
    if (prefix.trim()) p.set('prefix', prefix.trim());
    return p;
  };
  useEffect(() => {
    const t = setTimeout(() => {
      const p = query();
      p.set('limit', String(PAGE));
      p.set('offset', String((page - 1) * PAGE));
      setError(null);
      api<{ items: GiftcardRow[]; total: number }>('GET', `/giftcards?${p}`).then(setData, (e) => setError(e.message));
    }, 250);
    return () => clearTimeout(t);
  }, [status, prefix, page, reload]);
  const csv = query();
  csv.set('format', 'csv');
  return (
    <>
      <IssueBatch onIssued={() => (setPage(1), setReload(reload + 1))} />
      <Space wrap style={{ margin: '16px 0' }}>
        <Select id="giftcards-status" value={status} onChange={(v) => (setStatus(v), setPage(1))} style={{ width: 180 }} options={[{ value: 'all', label: 'Все статусы' }, ...Object.entries(STATUS).map(([value, s]) => ({ value, label: s.label }))]} />
        <Input.Search id="giftcards-search" placeholder="Код или его начало" allowClear value={prefix} onChange={(e) => (setPrefix(e.target.value), setPage(1))} style={{ width: 240 }} />
        <Button icon={<DownloadOutlined />} href={`/web/api/giftcards?${csv}`}>
          Скачать список (CSV)
        </Button>
      </Space>
      {error && <Alert type="error" message={error} style={{ marginBottom: 16 }} />}
      <Table<GiftcardRow>
        rowKey="code"
        size="middle"
        loading={data === null && error === null}
        dataSource={data?.items ?? []}
        pagination={{ current: page, pageSize: PAGE, total: data?.total ?? 0, onChange: setPage, showSizeChanger: false, showTotal: (n) => `Всего ${n}` }}
        scroll={{ x: 800 }}
        onRow={(c) => ({ onClick: () => navigate(`/cabinet/giftcards/${encodeURIComponent(c.code)}`), style: { cursor: 'pointer' } })}
        columns={[
          { title: 'Код', dataIndex: 'code', render: (v) => <code>{v}</code> },
          { title: 'Статус', dataIndex: 'status', render: statusTag },
          { title: 'Номинал', dataIndex: 'nominal', align: 'right', render: money },
          { title: 'Остаток', dataIndex: 'balance', align: 'right', render: money },
          { title: 'Действует до', dataIndex: 'validTo', render: (v, c) => (v === null && c.validDays !== null ? `${c.validDays} дн. от продажи` : day(v)) },
          { title: 'Продан', dataIndex: 'soldAt', render: (v) => (v === null ? '—' : dateTime(v)) },
          { title: 'Причина блокировки', render: (_, c) => c.blocked?.reason ?? '' },
        ]}
      />
    </>
  );
}

interface IssueForm {
  count: number;
  nominal: number;
  term: 'days' | 'date' | 'none';
  validDays?: number;
  validTo?: Dayjs;
  prefix?: string;
}

/** The batch form; the issued batch stays on screen with its CSV until the next one. */
function IssueBatch({ onIssued }: { onIssued: () => void }) {
  const [form] = Form.useForm<IssueForm>();
  const [busy, setBusy] = useState(false);
  const [issued, setIssued] = useState<{ batch: string; codes: string[]; nominal: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const term = Form.useWatch('term', form);
  const submit = async (v: IssueForm) => {
    setBusy(true);
    setError(null);
    try {
      const body = {
        count: v.count,
        nominal: Math.round(v.nominal * 100),
        ...(v.term === 'days' ? { validDays: v.validDays } : {}),
        ...(v.term === 'date' && v.validTo ? { validTo: v.validTo.format('YYYY-MM-DD') } : {}),
        ...(v.prefix?.trim() ? { prefix: v.prefix.trim() } : {}),
      };
      setIssued(await api('POST', '/giftcards', body));
      onIssued();
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card title="Выпустить партию" size="small">
      <Form form={form} layout="inline" initialValues={{ count: 10, nominal: 1000, term: 'days', validDays: 365 }} onFinish={submit} style={{ rowGap: 12 }}>
        <Form.Item name="count" label="Сколько" rules={[{ required: true, message: 'число сертификатов' }]}>
          <InputNumber id="giftcard-count" min={1} max={100000} precision={0} />
        </Form.Item>
        <Form.Item name="nominal" label="Номинал, ₽" rules={[{ required: true, message: 'номинал' }]}>
          <InputNumber id="giftcard-nominal" min={1} max={1000000} precision={2} decimalSeparator="," />
        </Form.Item>
        <Form.Item name="term" label="Срок">
          <Radio.Group
            options={[
              { value: 'days', label: 'дней от продажи' },
              { value: 'date', label: 'до даты' },
              { value: 'none', label: 'бессрочно' },
            ]}
          />
        </Form.Item>
        {term === 'days' && (
          <Form.Item name="validDays" rules={[{ required: true, message: 'сколько дней' }]}>
            <InputNumber id="giftcard-days" min={1} max={3660} precision={0} addonAfter="дн." />
          </Form.Item>
        )}
        {term === 'date' && (
          <Form.Item name="validTo" rules={[{ required: true, message: 'дата окончания' }]}>
            <DatePicker id="giftcard-date" format="DD.MM.YYYY" />
          </Form.Item>
        )}
        <Form.Item name="prefix" label="Префикс" rules={[{ pattern: /^[A-Za-z0-9-]{0,12}$/, message: 'латинские буквы, цифры, дефис; до 12' }]}>
          <Input id="giftcard-prefix" placeholder="GIFT-" style={{ width: 110 }} />
        </Form.Item>
        <Button type="primary" htmlType="submit" loading={busy} id="giftcard-issue">
          Выпустить
        </Button>
      </Form>
      {error && <Alert type="error" message={error} style={{ marginTop: 12 }} />}
      {issued && (
        <Alert
          type="success"
          style={{ marginTop: 12 }}
          message={`Выпущено ${issued.codes.length} по ${money(issued.nominal)} (партия ${issued.batch})`}
          action={
            <Button id="giftcard-batch-csv" icon={<DownloadOutlined />} href={`/web/api/giftcards?batch=${encodeURIComponent(issued.batch)}&format=csv`}>
              Скачать коды (CSV)
            </Button>
          }
        />
      )}
    </Card>
  );
}
