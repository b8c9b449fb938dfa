import { Alert, Button, Card, Col, Descriptions, Input, Row, Space, Spin, Table, Typography, message } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { api, ApiError } from '../api';
import { dateTime, money } from '../format';
import { navigate } from '../nav';
import { day, statusTag, type GiftcardRow } from './Giftcards';

// One certificate: its balance and term, where it was sold, every check it paid (what it took,
// what refunds gave back, what a till took beyond the balance), every block and unblock; and
// the block itself — a reason is required, it goes into the history with the time.

interface Use {
  checkId: string;
  externalId: string | null;
  channel: string | null;
  at: string;
  amount: number;
  returned: number;
  overdraft: number;
}

interface Detail extends GiftcardRow {
  soldChannel: string | null;
  uses: Use[];
  blocks: { action: 'block' | 'unblock'; at: string; by: string; reason: string | null }[];
}

export function GiftcardCard({ code }: { code: string }) {
  const [data, setData] = useState<Detail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(() => {
    api<Detail>('GET', `/giftcards/${encodeURIComponent(code)}`).then(setData, (e) => setError(e.message));
  }, [code]);
  useEffect(load, [load]);
  const back = (
    <Button type="link" onClick={() => navigate('/cabinet/giftcards')} style={{ padding: 0, marginBottom: 8 }}>
      ← Все сертификаты
    </Button>
  );
  if (error && data === null) return (<>{back}<Alert type="error" message={error} /></>);
  if (data === null) return <Spin />;
  return (
    <>
      {back}
      <Row gutter={[16, 16]}>
        <Col xs={24} lg={16}>
          <Card title={<Space>Сертификат <code id="giftcard-code">{data.code}</code> {statusTag(data.status)}</Space>}>
            <Descriptions size="small" column={{ xs: 1, sm: 2, md: 3, lg: 3, xl: 3, xxl: 3 }}>
              <Descriptions.Item label="Остаток"><span id="giftcard-balance">{money(data.balance)}</span></Descriptions.Item>
              <Descriptions.Item label="Номинал">{money(data.nominal)}</Descriptions.Item>
              <Descriptions.Item label="Действует до">{data.validTo === null && data.validDays !== null ? `${data.validDays} дн. от продажи` : day(data.validTo)}</Descriptions.Item>
              <Descriptions.Item label="Продан">{data.soldAt === null ? 'нет' : dateTime(data.soldAt)}</Descriptions.Item>
              <Descriptions.Item label="Где">{[data.soldChannel, data.soldStore].filter(Boolean).join(', ') || '—'}</Descriptions.Item>
              <Descriptions.Item label="Партия">{data.batch}</Descriptions.Item>
            </Descriptions>
          </Card>
        </Col>
        <Col xs={24} lg={8}>
          <BlockBox card={data} onDone={load} />
        </Col>
      </Row>
      <Card title="Оплаты сертификатом" style={{ marginTop: 16 }}>
        <Table<Use>
          rowKey="checkId"
          size="small"
          pagination={false}
          dataSource={data.uses}
          locale={{ emptyText: 'Им ещё ничего не оплачено' }}
          onRow={(u) => ({ onClick: () => navigate(`/cabinet/checks/${u.checkId}`), style: { cursor: 'pointer' } })}
          columns={[
            { title: 'Когда', dataIndex: 'at', render: dateTime },
            { title: 'Чек', render: (_, u) => u.externalId ?? `№ ${u.checkId}` },
            { title: 'Канал', dataIndex: 'channel', render: (v) => v ?? '—' },
            { title: 'Списано', dataIndex: 'amount', align: 'right', render: money },
            { title: 'Возвращено', dataIndex: 'returned', align: 'right', render: (v) => (v > 0 ? money(v) : '—') },
            { title: 'Сверх остатка (касса)', dataIndex: 'overdraft', align: 'right', render: (v) => (v > 0 ? money(v) : '—') },
          ]}
        />
      </Card>
      {data.blocks.length > 0 && (
        <Card title="Блокировки" style={{ marginTop: 16 }}>
          <Table
            rowKey={(b) => `${b.at}-${b.action}`}
            size="small"
            pagination={false}
            dataSource={data.blocks}
            columns={[
              { title: 'Когда', dataIndex: 'at', render: dateTime },
              { title: 'Что', dataIndex: 'action', render: (v) => (v === 'block' ? 'заблокирован' : 'разблокирован') },
              { title: 'Кто', dataIndex: 'by' },
              { title: 'Причина', dataIndex: 'reason', render: (v) => v ?? '—' },
            ]}
          />
        </Card>
      )}
    </>
  );
}

/** Block with a reason, or lift the block; the server records who (the cabinet) and when. */
function BlockBox({ card, onDone }: { card: Detail; onDone: () => void }) {
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const blocked = card.status === 'blocked';
  const act = async () => {
    setBusy(true);
    setError(null);
    try {
      await api('POST', `/giftcards/${encodeURIComponent(card.code)}/${blocked ? 'unblock' : 'block'}`, reason.trim() ? { reason: reason.trim() } : {});
      message.success(blocked ? 'Сертификат разблокирован' : 'Сертификат заблокирован');
      setReason('');
      onDone();
    } catch (e) {
      setError(e instanceof ApiError ? e.fieldMessage : String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card title={blocked ? 'Заблокирован' : 'Блокировка'}>
      {blocked && card.blocked && (
        <Typography.Paragraph>
          {dateTime(card.blocked.at)}, {card.blocked.by}: «{card.blocked.reason}». Оплатить им нельзя; чек, закрытый кассой, проводится, а оплата сертификатом уходит в очередь разбора.
        </Typography.Paragraph>
      )}
      {!blocked && <Typography.Paragraph type="secondary">Заблокированным сертификатом нельзя оплатить покупку, пока его не разблокируют.</Typography.Paragraph>}
      <Input.TextArea id="giftcard-reason" rows={2} maxLength={500} placeholder={blocked ? 'Причина (необязательно)' : 'Причина: например, клиент сообщил о потере'} value={reason} onChange={(e) => setReason(e.target.value)} />
      {error && <Alert type="error" message={error} style={{ marginTop: 8 }} />}
      <Button id="giftcard-block" danger={!blocked} type="primary" loading={busy} disabled={!blocked && reason.trim().length < 3} onClick={act} style={{ marginTop: 8 }}>
        {blocked ? 'Разблокировать' : 'Заблокировать'}
      </Button>
    </Card>
  );
}
