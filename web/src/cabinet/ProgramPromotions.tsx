import { Button, Card, Col, Form, Input, InputNumber, Radio, Row, Select, Space, Switch, Typography } from 'antd';
import { DateField } from './DateField';
import { Codes, Conditions, Steps } from './ProgramParts';
import { PromotionSegment } from './ProgramSegment';

// Modifiers (more or fewer bonuses, or a different bonus-payment cap, for some goods, days, hours,
// stores or levels) and promotions (a discount by percent, by quantity, by check sum, or for a
// bundle; for a period, days, hours, stores, levels, a segment of customers, with coupon codes;
// and how they stack).

type Levels = { value: string; label: string }[];

export function ProgramModifiers({ levels }: { levels: Levels }) {
  return (
    <Form.List name="modifiers">
      {(fields, { add, remove }) => (
        <>
          {fields.length === 0 && <Typography.Paragraph type="secondary">Модификаторов нет.</Typography.Paragraph>}
          {fields.map((f) => (
            <Card key={f.key} size="small" title={`Модификатор ${f.name + 1}`} className="modifier-card" style={{ marginBottom: 12 }} extra={<Button danger size="small" onClick={() => remove(f.name)}>Удалить</Button>}>
              <Space wrap align="baseline">
                <Form.Item name={[f.name, 'accrualPercent']} label="Начисление, % (вместо уровня)">
                  <InputNumber min={0} max={100} decimalSeparator="," style={{ width: 120 }} />
                </Form.Item>
                <Form.Item name={[f.name, 'accrualMultiplier']} label="Множитель начисления">
                  <InputNumber min={0.001} max={100} step={0.5} decimalSeparator="," style={{ width: 120 }} />
                </Form.Item>
                <Form.Item name={[f.name, 'maxRedeemPercent']} label="Оплата бонусами до, %">
                  <InputNumber min={0} max={100} decimalSeparator="," style={{ width: 120 }} />
                </Form.Item>
                <Form.Item name={[f.name, 'activationDays']} label="Доступны через, дней">
                  <InputNumber min={0} max={3650} style={{ width: 110 }} />
                </Form.Item>
                <Form.Item name={[f.name, 'lifetimeDays']} label="Сгорают через, дней">
                  <InputNumber min={1} max={3650} style={{ width: 110 }} />
                </Form.Item>
              </Space>
              <Conditions name={[f.name, 'when']} levels={levels} />
            </Card>
          ))}
          <Button onClick={() => add({ source: null, when: { productIds: [], groupIds: [], weekdays: [], paymentTypes: [], cashierIds: [], storeIds: [], levels: [], hoursOn: false, hours: { from: 9, to: 12 } }, accrualPercent: null, accrualMultiplier: 2, maxRedeemPercent: null })}>
            Добавить модификатор
          </Button>
        </>
      )}
    </Form.List>
  );
}

function Effect({ index }: { index: number }) {
  const type = Form.useWatch(['promotions', index, 'effect', 'type'], Form.useFormInstance());
  return (
    <>
      <Form.Item name={[index, 'effect', 'type']} label="Что даёт">
        <Radio.Group
          optionType="button"
          options={[
            { value: 'percent', label: 'Процент' },
            { value: 'byQuantity', label: 'От количества' },
            { value: 'bySum', label: 'От суммы чека' },
            { value: 'bundle', label: 'Комплект' },
            { value: 'gift', label: 'Товар в подарок' },
            { value: 'bonus', label: 'Бонусы' },
          ]}
        />
      </Form.Item>
      {type === 'gift' && (
        <Space wrap>
          <Form.Item name={[index, 'effect', 'giftProductId']} label="Код товара" rules={[{ required: true, message: 'код товара' }]}>
            <Input style={{ width: 180 }} />
          </Form.Item>
          <Form.Item name={[index, 'effect', 'giftQuantity']} label="Сколько, шт.">
            <InputNumber min={0.001} decimalSeparator="," style={{ width: 110 }} />
          </Form.Item>
        </Space>
      )}
      {type === 'bonus' && (
        <Form.Item name={[index, 'effect', 'bonusPoints']} label="Бонусов сверху">
          <InputNumber min={0.01} decimalSeparator="," style={{ width: 120 }} />
        </Form.Item>
      )}
      {(type === 'percent' || type === 'bundle') && (
        <Form.Item name={[index, 'effect', 'percent']} label="Скидка, %">
          <InputNumber min={0} max={100} decimalSeparator="," style={{ width: 120 }} />
        </Form.Item>
      )}
      {type === 'byQuantity' && <Steps name={[index, 'effect', 'qtySteps']} unit="шт." />}
      {type === 'bySum' && <Steps name={[index, 'effect', 'sumSteps']} unit="₽ в чеке" />}
      {type === 'bundle' && <Codes name={[index, 'effect', 'productIds']} label="Товары комплекта (коды, от 2)" />}
    </>
  );
}

function Promotion({ index, levels, onRemove }: { index: number; levels: Levels; onRemove: () => void }) {
  const form = Form.useFormInstance();
  const name = Form.useWatch(['promotions', index, 'name'], form);
  const periodOn = Form.useWatch(['promotions', index, 'periodOn'], form);
  return (
    <Card size="small" className="promotion-card" title={name || `Акция ${index + 1}`} style={{ marginBottom: 12 }} extra={<Button danger size="small" onClick={onRemove}>Удалить акцию</Button>}>
      <Row gutter={12}>
        <Col xs={24} md={8}>
          <Form.Item name={[index, 'name']} label="Название акции" rules={[{ required: true, message: 'Название' }]}>
            <Input />
          </Form.Item>
        </Col>
        <Col xs={12} md={5}>
          <Form.Item name={[index, 'id']} label="Код акции" rules={[{ required: true, message: 'Код' }]}>
            <Input />
          </Form.Item>
        </Col>
        <Col xs={12} md={6}>
          <Form.Item name={[index, 'stacking']} label="Сочетание с другими">
            <Select options={[{ value: 'combinable', label: 'Складывается' }, { value: 'best', label: 'Наибольшая из «лучших»' }, { value: 'exclusive', label: 'Только она' }]} />
          </Form.Item>
        </Col>
        <Col xs={12} md={5}>
          <Form.Item name={[index, 'priority']} label="Приоритет">
            <InputNumber min={-1000} max={1000} style={{ width: '100%' }} />
          </Form.Item>
        </Col>
      </Row>
      <Space wrap align="baseline">
        <Form.Item name={[index, 'periodOn']} valuePropName="checked" label="Период">
          <Switch />
        </Form.Item>
        {periodOn && (
          <>
            <DateField name={[index, 'period', 'from']} label="с" />
            <DateField name={[index, 'period', 'to']} label="по" />
          </>
        )}
      </Space>
      <Effect index={index} />
      <Row gutter={12}>
        <Col xs={24} md={16}>
          <Codes name={[index, 'coupons']} label="Купоны (коды, любой из них)" placeholder="пусто — без купона" />
        </Col>
        <Col xs={24} md={8}>
          <Form.Item name={[index, 'issuedCoupons']} valuePropName="checked" label="Только по выпущенным купонам">
            <Switch />
          </Form.Item>
        </Col>
      </Row>
      <Conditions name={[index, 'when']} levels={levels} promotion />
      <PromotionSegment index={index} />
    </Card>
  );
}

export function ProgramPromotions({ levels }: { levels: Levels }) {
  return (
    <Form.List name="promotions">
      {(fields, { add, remove }) => (
        <>
          {fields.length === 0 && <Typography.Paragraph type="secondary">Акций нет.</Typography.Paragraph>}
          {fields.map((f) => (
            <Promotion key={f.key} index={f.name} levels={levels} onRemove={() => remove(f.name)} />
          ))}
          <Button
            onClick={() =>
              add({
                source: null,
                id: `promo${fields.length + 1}`,
                name: '',
                periodOn: false,
                period: { from: '', to: '' },
                when: { productIds: [], groupIds: [], weekdays: [], paymentTypes: [], cashierIds: [], storeIds: [], levels: [], hoursOn: false, hours: { from: 9, to: 12 }, newCustomers: false, segmentOn: false, segment: { sources: [], gender: '' } },
                coupons: [],
                issuedCoupons: false,
                effect: { type: 'percent', percent: 10, sumSteps: [{ from: 1000, percent: 5 }], qtySteps: [{ from: 2, percent: 10 }], productIds: [] },
                stacking: 'combinable',
                priority: 0,
              })
            }
          >
            Добавить акцию
          </Button>
        </>
      )}
    </Form.List>
  );
}
