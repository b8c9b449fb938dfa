import { Col, Progress, Row, Statistic } from 'antd';
import { money, points, type Customer } from './format';

// A customer's balance and the way to the next level: the owner's customer card and the
// customer's own cabinet show the same figures, each in its own words.

export interface BalanceWords {
  available: string;
  pending: string;
  /** «До уровня «X» …» — the sentence before the remaining sum. */
  toNext: (level: string) => string;
  /** Said at the top level; nothing when null. */
  top: string | null;
}

export function Balance({ c, words }: { c: Customer; words: BalanceWords }) {
  const next = c.nextLevel;
  return (
    <>
      <Row gutter={16}>
        <Col span={12}>
          <Statistic title={words.available} value={points(c.balance.available)} />
        </Col>
        <Col span={12}>
          <Statistic title={words.pending} value={points(c.balance.pending)} />
        </Col>
      </Row>
      {next ? (
        <div style={{ marginTop: 16 }}>
          {words.toNext(next.name)} {money(next.remaining)}
          <Progress percent={Math.min(99, Math.round((c.totalSpent / (c.totalSpent + next.remaining)) * 100))} showInfo={false} />
        </div>
      ) : (
        words.top !== null && <p style={{ marginTop: 16 }}>{words.top}</p>
      )}
    </>
  );
}
