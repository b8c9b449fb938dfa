import { Alert, Card, Col, DatePicker, Row, Spin, Statistic, Tag } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useEffect, useState } from 'react';
import { api } from '../api';

// The tenant's own usage for a month: checks, channels in use, SMS by topic — what the operator bills.

interface Answer {
  month: string;
  usage: { checks: number; channelNames: string[]; sms: Record<string, number>; plan: string } | null;
}

export function Usage() {
  const [month, setMonth] = useState<Dayjs>(dayjs());
  const [data, setData] = useState<Answer | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setData(null);
    api<Answer>('GET', `/usage?month=${month.format('YYYY-MM')}`).then(setData, (e) => setError(e.message));
  }, [month]);
  const u = data?.usage;
  const sms = u ? Object.values(u.sms).reduce((a, b) => a + b, 0) : 0;
  return (
    <>
      <DatePicker picker="month" value={month} onChange={(d) => d && setMonth(d)} allowClear={false} format="MMMM YYYY" style={{ marginBottom: 16 }} />
      {error && <Alert type="error" message={error} />}
      {data === null ? (
        <Spin />
      ) : (
        <Row gutter={[16, 16]}>
          <Col xs={24} md={8}>
            <Card>
              <Statistic title="Чеков продаж" value={u?.checks ?? 0} />
            </Card>
          </Col>
          <Col xs={24} md={8}>
            <Card>
              <Statistic title="Каналов продаж" value={u?.channelNames.length ?? 0} />
              <div style={{ marginTop: 8 }}>{u?.channelNames.map((c) => <Tag key={c}>{c}</Tag>)}</div>
            </Card>
          </Col>
          <Col xs={24} md={8}>
            <Card>
              <Statistic title="SMS отправлено" value={sms} />
            </Card>
          </Col>
        </Row>
      )}
    </>
  );
}
