import { Button, Card, Col, Form, Input, InputNumber, Radio, Row, Space } from 'antd';
import { Steps } from './ProgramParts';

// Levels: name, code, purchase threshold; accrual (a percent, N points per amount, or progressive
// steps by check amount), discount (none, a percent, progressive) and the most of a check payable
// with bonuses.

function Level({ index, onRemove, removable }: { index: number; onRemove: () => void; removable: boolean }) {
  const form = Form.useFormInstance();
  const accrual = Form.useWatch(['levels', index, 'accrual', 'type'], form);
  const discount = Form.useWatch(['levels', index, 'discount', 'type'], form);
  return (
    <Card size="small" className="level-row" style={{ marginBottom: 12 }} title={`Уровень ${index + 1}`} extra={<Button danger size="small" onClick={onRemove} disabled={!removable}>Удалить</Button>}>
      <Row gutter={12}>
        <Col xs={12} md={6}>
          <Form.Item name={[index, 'name']} label="Название" rules={[{ required: true, message: 'Название уровня' }]}>
            <Input />
          </Form.Item>
        </Col>
        <Col xs={12} md={4}>
          <Form.Item name={[index, 'code']} label="Код" rules={[{ required: true, message: 'Код уровня' }]}>
            <Input />
          </Form.Item>
        </Col>
        <Col xs={12} md={5}>
          <Form.Item name={[index, 'threshold']} label="Порог покупок, ₽">
            <InputNumber min={0} style={{ width: '100%' }} />
          </Form.Item>
        </Col>
        <Col xs={12} md={5}>
          <Form.Item name={[index, 'maxRedeemPercent']} label="Оплата бонусами до, %">
            <InputNumber min={0} max={100} decimalSeparator="," style={{ width: '100%' }} />
          </Form.Item>
        </Col>
        <Col xs={12} md={5}>
          <Form.Item name={[index, 'welcome']} label="Бонусы за переход на уровень">
            <InputNumber min={0} decimalSeparator="," style={{ width: '100%' }} placeholder="нет" />
          </Form.Item>
        </Col>
      </Row>
      <Row gutter={24}>
        <Col xs={24} lg={12}>
          <Form.Item name={[index, 'accrual', 'type']} label="Начисление">
            <Radio.Group optionType="button" options={[{ value: 'percent', label: 'Процент' }, { value: 'perAmount', label: 'За каждые N ₽' }, { value: 'progressive', label: 'По ступеням' }]} />
          </Form.Item>
          {accrual === 'percent' && (
            <Form.Item name={[index, 'accrual', 'percent']} label="Начисление, %">
              <InputNumber min={0} max={100} step={0.5} decimalSeparator="," style={{ width: 160 }} />
            </Form.Item>
          )}
          {accrual === 'perAmount' && (
            <Space wrap>
              <Form.Item name={[index, 'accrual', 'points']} label="Баллов">
                <InputNumber min={0} decimalSeparator="," style={{ width: 120 }} />
              </Form.Item>
              <Form.Item name={[index, 'accrual', 'every']} label="за каждые, ₽">
                <InputNumber min={0.01} decimalSeparator="," style={{ width: 140 }} />
              </Form.Item>
            </Space>
          )}
          {accrual === 'progressive' && <Steps name={[index, 'accrual', 'steps']} unit="₽ в чеке" testId={`accrual-steps-${index}`} />}
        </Col>
        <Col xs={24} lg={12}>
          <Form.Item name={[index, 'discount', 'type']} label="Скидка">
            <Radio.Group optionType="button" options={[{ value: 'none', label: 'Нет' }, { value: 'percent', label: 'Процент' }, { value: 'progressive', label: 'По ступеням' }]} />
          </Form.Item>
          {discount === 'percent' && (
            <Form.Item name={[index, 'discount', 'percent']} label="Скидка, %">
              <InputNumber min={0} max={100} decimalSeparator="," style={{ width: 160 }} />
            </Form.Item>
          )}
          {discount === 'progressive' && <Steps name={[index, 'discount', 'steps']} unit="₽ в чеке" testId={`discount-steps-${index}`} />}
        </Col>
      </Row>
    </Card>
  );
}

export function ProgramLevels() {
  return (
    <Form.List name="levels">
      {(fields, { add, remove }) => (
        <>
          {fields.map((f) => (
            <Level key={f.key} index={f.name} onRemove={() => remove(f.name)} removable={fields.length > 1} />
          ))}
          <Button
            onClick={() =>
              add({
                code: `level${fields.length + 1}`,
                name: '',
                threshold: 0,
                accrual: { type: 'percent', percent: 5, every: 100, points: 1, steps: [{ from: 0, percent: 5 }] },
                discount: { type: 'none', percent: null, steps: [{ from: 0, percent: 3 }] },
                maxRedeemPercent: 50,
                source: null,
              })
            }
          >
            Добавить уровень
          </Button>
        </>
      )}
    </Form.List>
  );
}
