import { Col, Form, InputNumber, Row, Select } from 'antd';
import { Codes } from './ProgramParts';

// When bonuses become available and when they burn (N days after accrual, after the last purchase,
// or on calendar dates), rounding, the smallest check bonuses pay for, how old a check may be,
// the time zone, and goods that never earn or take bonuses.

const ZONES = ['Europe/Kaliningrad', 'Europe/Moscow', 'Europe/Samara', 'Asia/Yekaterinburg', 'Asia/Omsk', 'Asia/Novosibirsk', 'Asia/Krasnoyarsk', 'Asia/Irkutsk', 'Asia/Yakutsk', 'Asia/Vladivostok', 'Asia/Magadan', 'Asia/Kamchatka'];

export function ProgramBasics() {
  const mode = Form.useWatch(['expiry', 'mode'], Form.useFormInstance());
  return (
    <Row gutter={12}>
      <Col xs={24} md={8}>
        <Form.Item name="activationDays" label="Бонусы доступны через, дней">
          <InputNumber min={0} style={{ width: '100%' }} />
        </Form.Item>
      </Col>
      <Col xs={24} md={8}>
        <Form.Item name={['expiry', 'mode']} label="Сгорание">
          <Select
            options={[
              { value: 'never', label: 'Не сгорают' },
              { value: 'afterAccrual', label: 'Через N дней после начисления' },
              { value: 'afterLastPurchase', label: 'Через N дней после последней покупки' },
              { value: 'dates', label: 'В даты календаря' },
            ]}
          />
        </Form.Item>
      </Col>
      <Col xs={24} md={8}>
        {(mode === 'afterAccrual' || mode === 'afterLastPurchase') && (
          <Form.Item name={['expiry', 'days']} label="Срок жизни, дней">
            <InputNumber min={0} style={{ width: '100%' }} />
          </Form.Item>
        )}
        {mode === 'dates' && <Codes name={['expiry', 'dates']} label="Даты сгорания (ММ-ДД)" placeholder="12-31, 06-30" tooltip="До 12 дат в году; бонусы, накопленные к дате, сгорают в этот день" />}
      </Col>
      <Col xs={24} md={8}>
        <Form.Item name="rounding" label="Округление начислений">
          <Select options={[{ value: 'floor', label: 'Вниз до целых баллов' }, { value: 'none', label: 'Без округления (до сотых)' }]} />
        </Form.Item>
      </Col>
      <Col xs={24} md={8}>
        <Form.Item name="minCheckForRedeem" label="Оплата бонусами от суммы чека, ₽" tooltip="0 — с любой суммы">
          <InputNumber min={0} decimalSeparator="," style={{ width: '100%' }} />
        </Form.Item>
      </Col>
      <Col xs={24} md={8}>
        <Form.Item name="maxBackdateDays" label="Чек задним числом, не старше дней">
          <InputNumber min={0} style={{ width: '100%' }} />
        </Form.Item>
      </Col>
      <Col xs={24} md={8}>
        <Form.Item name="timezone" label="Часовой пояс программы" tooltip="По нему считаются дни, часы акций и дни рождения">
          <Select showSearch options={ZONES.map((z) => ({ value: z, label: z }))} />
        </Form.Item>
      </Col>
      <Col xs={24} md={8}>
        <Codes name={['exclusions', 'productIds']} label="Исключённые товары (коды)" tooltip="Не получают начислений и не оплачиваются бонусами" />
      </Col>
      <Col xs={24} md={8}>
        <Codes name={['exclusions', 'groupIds']} label="Исключённые группы товаров (коды)" />
      </Col>
    </Row>
  );
}
