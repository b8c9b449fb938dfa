import { Card, Col, Form, InputNumber, Radio, Row, Space, Switch } from 'antd';

// Gifts (registration, self-registration by link, first purchase, birthday, a relative's birthday,
// coming back after a pause) and the referral reward.

const GIFTS: { key: string; title: string; extra?: 'daysBefore' | 'days' }[] = [
  { key: 'registration', title: 'За регистрацию' },
  { key: 'selfRegistration', title: 'За регистрацию по ссылке' },
  { key: 'firstPurchase', title: 'За первую покупку' },
  { key: 'birthday', title: 'В день рождения', extra: 'daysBefore' },
  { key: 'relativeBirthday', title: 'В день рождения родственника', extra: 'daysBefore' },
  { key: 'inactivity', title: 'Давно не покупал', extra: 'days' },
];

function Gift({ k, title, extra }: (typeof GIFTS)[number] & { k: string }) {
  const on = Form.useWatch(['gifts', k, 'on'], Form.useFormInstance());
  return (
    <Card size="small" title={title} extra={<Form.Item name={['gifts', k, 'on']} valuePropName="checked" noStyle><Switch aria-label={`${title}: включить`} /></Form.Item>} style={{ height: '100%' }} data-testid={`gift-${k}`}>
      {on ? (
        <Space wrap align="baseline">
          <Form.Item name={['gifts', k, 'points']} label="Баллов">
            <InputNumber min={0.01} decimalSeparator="," style={{ width: 110 }} />
          </Form.Item>
          <Form.Item name={['gifts', k, 'ttlDays']} label="Сгорают через, дн." tooltip="Пусто — по общим правилам">
            <InputNumber min={1} style={{ width: 110 }} />
          </Form.Item>
          <Form.Item name={['gifts', k, 'activationDays']} label="Доступны через, дн.">
            <InputNumber min={0} style={{ width: 110 }} />
          </Form.Item>
          {extra === 'daysBefore' && (
            <Form.Item name={['gifts', k, 'daysBefore']} label="За сколько дней до даты">
              <InputNumber min={0} max={60} style={{ width: 110 }} />
            </Form.Item>
          )}
          {extra === 'days' && (
            <Form.Item name={['gifts', k, 'days']} label="После скольких дней без покупок">
              <InputNumber min={1} style={{ width: 110 }} />
            </Form.Item>
          )}
        </Space>
      ) : (
        <span style={{ color: '#8c8c8c' }}>Выключено</span>
      )}
    </Card>
  );
}

export function ProgramGifts() {
  return (
    <Row gutter={[12, 12]}>
      {GIFTS.map((g) => (
        <Col xs={24} lg={12} key={g.key}>
          <Gift k={g.key} {...g} />
        </Col>
      ))}
    </Row>
  );
}

export function ProgramReferral() {
  const form = Form.useFormInstance();
  const on = Form.useWatch(['referral', 'on'], form);
  const type = Form.useWatch(['referral', 'reward', 'type'], form);
  return (
    <>
      <Form.Item name={['referral', 'on']} valuePropName="checked" label="Награда за приглашённого друга">
        <Switch />
      </Form.Item>
      {on && (
        <Space wrap align="baseline">
          <Form.Item name={['referral', 'reward', 'type']} label="Награда">
            <Radio.Group optionType="button" options={[{ value: 'fixed', label: 'Баллы' }, { value: 'percent', label: '% от покупки друга' }]} />
          </Form.Item>
          {type === 'percent' ? (
            <Form.Item name={['referral', 'reward', 'percent']} label="Процент">
              <InputNumber min={0} max={100} decimalSeparator="," style={{ width: 110 }} />
            </Form.Item>
          ) : (
            <Form.Item name={['referral', 'reward', 'points']} label="Баллов">
              <InputNumber min={0.01} decimalSeparator="," style={{ width: 110 }} />
            </Form.Item>
          )}
          <Form.Item name={['referral', 'scope']} label="За какие покупки">
            <Radio.Group options={[{ value: 'firstPurchase', label: 'первую' }, { value: 'everyPurchase', label: 'каждую' }]} />
          </Form.Item>
          <Form.Item name={['referral', 'periodDays']} label="В течение, дней">
            <InputNumber min={1} style={{ width: 110 }} />
          </Form.Item>
        </Space>
      )}
    </>
  );
}
