import { Button, Checkbox, Col, Form, InputNumber, Row, Select, Space, Switch } from 'antd';
import type { ReactNode } from 'react';

// Small pieces the program editor's sections share: progressive steps, lists of codes, the
// conditions of a modifier or a promotion.

export const WEEKDAYS = [
  { value: 1, label: 'Пн' },
  { value: 2, label: 'Вт' },
  { value: 3, label: 'Ср' },
  { value: 4, label: 'Чт' },
  { value: 5, label: 'Пт' },
  { value: 6, label: 'Сб' },
  { value: 7, label: 'Вс' },
];

/** Steps «from → percent», ascending; `unit` names what «from» counts. */
export function Steps({ name, unit, testId }: { name: (string | number)[]; unit: string; testId?: string }) {
  return (
    <Form.List name={name}>
      {(fields, { add, remove }) => (
        <div data-testid={testId}>
          {fields.map((f) => (
            <Space key={f.key} align="baseline" wrap>
              <Form.Item name={[f.name, 'from']} label={`от, ${unit}`} rules={[{ required: true, message: 'порог' }]}>
                <InputNumber min={0} decimalSeparator="," style={{ width: 130 }} />
              </Form.Item>
              <Form.Item name={[f.name, 'percent']} label="%" rules={[{ required: true, message: 'процент' }]}>
                <InputNumber min={0} max={100} decimalSeparator="," style={{ width: 90 }} />
              </Form.Item>
              <Button size="small" onClick={() => remove(f.name)} disabled={fields.length === 1}>
                ✕
              </Button>
            </Space>
          ))}
          <Button size="small" onClick={() => add({ from: null, percent: null })}>
            + ступень
          </Button>
        </div>
      )}
    </Form.List>
  );
}

/** A list of codes (products, groups, stores…) typed or pasted; Enter, comma or space separates. */
export function Codes({ name, label, placeholder, tooltip }: { name: (string | number)[]; label: ReactNode; placeholder?: string; tooltip?: string }) {
  return (
    <Form.Item name={name} label={label} tooltip={tooltip}>
      <Select mode="tags" tokenSeparators={[',', ' ', ';']} open={false} placeholder={placeholder ?? 'коды через запятую'} style={{ width: '100%' }} suffixIcon={null} />
    </Form.Item>
  );
}

/** When a modifier or promotion applies: goods, groups, days, hours, stores, levels, payment, cashiers. */
export function Conditions({ name, levels, promotion }: { name: (string | number)[]; levels: { value: string; label: string }[]; promotion?: boolean }) {
  const hoursOn = Form.useWatch([...name, 'hoursOn'], Form.useFormInstance());
  return (
    <Row gutter={12}>
      <Col xs={24} md={12}>
        <Codes name={[...name, 'productIds']} label="Товары (коды)" />
      </Col>
      <Col xs={24} md={12}>
        <Codes name={[...name, 'groupIds']} label="Группы товаров (коды)" />
      </Col>
      <Col xs={24} md={12}>
        <Form.Item name={[...name, 'weekdays']} label="Дни недели (пусто — все)">
          <Checkbox.Group options={WEEKDAYS} />
        </Form.Item>
      </Col>
      <Col xs={24} md={12}>
        <Space align="baseline" wrap>
          <Form.Item name={[...name, 'hoursOn']} label="Часы" valuePropName="checked">
            <Switch />
          </Form.Item>
          {hoursOn && (
            <>
              <Form.Item name={[...name, 'hours', 'from']} label="с">
                <InputNumber min={0} max={24} style={{ width: 70 }} />
              </Form.Item>
              <Form.Item name={[...name, 'hours', 'to']} label="до">
                <InputNumber min={0} max={24} style={{ width: 70 }} />
              </Form.Item>
            </>
          )}
        </Space>
      </Col>
      <Col xs={24} md={8}>
        <Codes name={[...name, 'storeIds']} label="Магазины (коды)" />
      </Col>
      <Col xs={24} md={8}>
        <Form.Item name={[...name, 'levels']} label="Уровни клиентов">
          <Select mode="multiple" options={levels} placeholder="все" allowClear />
        </Form.Item>
      </Col>
      <Col xs={24} md={8}>
        <Codes name={[...name, 'paymentTypes']} label="Способы оплаты" placeholder="cash, card…" />
      </Col>
      <Col xs={24} md={8}>
        <Codes name={[...name, 'cashierIds']} label="Кассиры (коды)" />
      </Col>
      {promotion && (
        <Col xs={24} md={8}>
          <Form.Item name={[...name, 'newCustomers']} valuePropName="checked" label="Только первая покупка">
            <Switch />
          </Form.Item>
        </Col>
      )}
    </Row>
  );
}
