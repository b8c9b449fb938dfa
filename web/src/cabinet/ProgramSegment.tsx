import { Col, Form, InputNumber, Row, Select, Space, Switch } from 'antd';
import { SOURCE_NAMES } from './CampaignsSegment';

// A promotion's audience by segment: the campaigns' words (where customers came from, gender,
// purchases, revenue, average check, balance, days without a purchase, age), judged at each
// check for the customer it names; an anonymous check is never in a segment. Bounds inclusive.

const SOURCES = { pos: 'при покупке на кассе', ...SOURCE_NAMES };
const RANGES: { key: string; label: string; unit?: string; money?: boolean }[] = [
  { key: 'Purchases', label: 'Покупок' },
  { key: 'Spent', label: 'Сумма покупок', unit: '₽', money: true },
  { key: 'AverageCheck', label: 'Средний чек', unit: '₽', money: true },
  { key: 'Balance', label: 'Баланс', unit: 'бонусов', money: true },
  { key: 'DaysWithoutPurchase', label: 'Дней без покупок' },
  { key: 'Age', label: 'Возраст', unit: 'лет' },
];

export function PromotionSegment({ index }: { index: number }) {
  const on = Form.useWatch(['promotions', index, 'when', 'segmentOn'], Form.useFormInstance());
  const at = (...k: string[]) => [index, 'when', 'segment', ...k];
  return (
    <div className="promotion-segment">
      <Form.Item name={[index, 'when', 'segmentOn']} valuePropName="checked" label="Только клиенты из сегмента" tooltip="Чек без клиента под сегмент не подходит. Дни и возраст считаются на время чека.">
        <Switch />
      </Form.Item>
      {on && (
        <Row gutter={[12, 0]}>
          <Col xs={24} md={12} xl={8}>
            <Form.Item name={at('sources')} label="Откуда пришли">
              <Select mode="tags" allowClear placeholder="любые" options={Object.entries(SOURCES).map(([value, name]) => ({ value, label: `${name} (${value})` }))} />
            </Form.Item>
          </Col>
          <Col xs={24} md={12} xl={8}>
            <Form.Item name={at('gender')} label="Пол">
              <Select options={[{ value: '', label: 'любой' }, { value: 'female', label: 'женский' }, { value: 'male', label: 'мужской' }]} />
            </Form.Item>
          </Col>
          {RANGES.map((r) => (
            <Col key={r.key} xs={24} md={12} xl={8}>
              <Form.Item label={`${r.label}${r.unit ? `, ${r.unit}` : ''}`}>
                <Space.Compact style={{ width: '100%' }}>
                  <Form.Item name={at(`min${r.key}`)} noStyle>
                    <InputNumber aria-label={`${r.label} от`} min={0} placeholder="от" decimalSeparator="," precision={r.money ? 2 : 0} style={{ width: '50%' }} />
                  </Form.Item>
                  <Form.Item name={at(`max${r.key}`)} noStyle>
                    <InputNumber aria-label={`${r.label} до`} min={0} placeholder="до" decimalSeparator="," precision={r.money ? 2 : 0} style={{ width: '50%' }} />
                  </Form.Item>
                </Space.Compact>
              </Form.Item>
            </Col>
          ))}
        </Row>
      )}
    </div>
  );
}
