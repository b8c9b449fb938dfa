import { Alert, Button, Card, Col, Form, Input, InputNumber, Row, Select, Space, Spin, Typography, message } from 'antd';
import { useEffect, useState } from 'react';
import { api, ApiError } from '../api';

// The program editor: levels (threshold, accrual percent, most of a check payable with bonuses),
// activation and expiry. Everything else in the program (gifts, referral, modifiers, exclusions)
// is kept as it is and sent back unchanged. The server validates; its 400 names the field, and
// the message is shown under that field.

type Program = Record<string, any> & { levels: any[]; activationDays: number; expiry: { mode: string; days?: number | null; dates?: string[] } };

interface LevelForm {
  code: string;
  name: string;
  threshold: number; // rubles in the form, kopecks on the wire
  accrualPercent: number | null;
  maxRedeemPercent: number;
  source: any;
}

interface FormValues {
  levels: LevelForm[];
  activationDays: number;
  expiryMode: string;
  expiryDays: number | null;
}

function toForm(p: Program): FormValues {
  return {
    levels: p.levels.map((l) => ({
      code: l.code,
      name: l.name,
      threshold: l.threshold / 100,
      accrualPercent: l.accrual?.type === 'percent' ? l.accrual.percent : null,
      maxRedeemPercent: l.maxRedeemPercent,
      source: l,
    })),
    activationDays: p.activationDays,
    expiryMode: p.expiry.mode,
    expiryDays: p.expiry.days ?? null,
  };
}

function fromForm(p: Program, v: FormValues): Program {
  const levels = v.levels.map((l) => {
    const base = l.source ?? { discount: null, welcomeBonus: null };
    const accrual = l.accrualPercent === null || l.accrualPercent === undefined ? (base.accrual ?? { type: 'percent', percent: 0 }) : { type: 'percent', percent: l.accrualPercent };
    return { ...base, code: l.code, name: l.name, threshold: Math.round(Number(l.threshold ?? 0) * 100), accrual, maxRedeemPercent: l.maxRedeemPercent };
  });
  const expiry = v.expiryMode === 'never' ? { mode: 'never' } : v.expiryMode === 'dates' ? p.expiry : { mode: v.expiryMode, days: v.expiryDays };
  return { ...p, levels, activationDays: v.activationDays, expiry };
}

/** The server's field path → the form's field name. */
function formField(path: string): (string | number)[] | null {
  const lv = /^levels\.(\d+)\.(\w+)/.exec(path);
  if (lv) return ['levels', Number(lv[1]), lv[2] === 'accrual' ? 'accrualPercent' : lv[2]!];
  if (path.startsWith('expiry.days')) return ['expiryDays'];
  if (path.startsWith('expiry')) return ['expiryMode'];
  if (path === 'activationDays') return ['activationDays'];
  return null;
}

export function ProgramEditor() {
  const [program, setProgram] = useState<Program | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const [form] = Form.useForm<FormValues>();
  const mode = Form.useWatch('expiryMode', form);
  useEffect(() => {
    api<Program>('GET', '/program').then((p) => {
      setProgram(p);
      form.setFieldsValue(toForm(p));
    }, (e) => setError(e.message));
  }, [form]);
  if (program === null) return error ? <Alert type="error" message={error} /> : <Spin />;
  const save = async () => {
    // The whole store: each level's untouched settings (source) are not form fields.
    const v = form.getFieldsValue(true) as FormValues;
    // The server's messages from the last try go: it judges the program afresh.
    form.setFields(form.getFieldsError().filter((f) => f.errors.length > 0).map((f) => ({ name: f.name as any, errors: [] })));
    setSaving(true);
    setError(null);
    try {
      const saved = await api<Program>('PUT', '/program', fromForm(program, v));
      setProgram(saved);
      form.setFieldsValue(toForm(saved));
      message.success('Программа сохранена');
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      const name = e.field === null ? null : formField(e.field);
      if (name !== null) form.setFields([{ name: name as any, errors: [e.fieldMessage] }]);
      setError(e.message);
    } finally {
      setSaving(false);
    }
  };
  return (
    <Form form={form} layout="vertical" onFinish={save} onValuesChange={() => setError(null)}>
      <Card title="Уровни" style={{ marginBottom: 16 }}>
        <Form.List name="levels">
          {(fields, { add, remove }) => (
            <>
              {fields.map((f, i) => (
                <Row gutter={12} key={f.key} align="bottom" className="level-row">
                  <Col xs={12} md={4}>
                    <Form.Item name={[f.name, 'name']} label="Название" rules={[{ required: true, message: 'Название уровня' }]}>
                      <Input />
                    </Form.Item>
                  </Col>
                  <Col xs={12} md={3}>
                    <Form.Item name={[f.name, 'code']} label="Код" rules={[{ required: true, message: 'Код уровня' }]}>
                      <Input />
                    </Form.Item>
                  </Col>
                  <Col xs={12} md={5}>
                    <Form.Item name={[f.name, 'threshold']} label="Порог покупок, ₽">
                      <InputNumber min={0} style={{ width: '100%' }} />
                    </Form.Item>
                  </Col>
                  <Col xs={12} md={4}>
                    <Form.Item name={[f.name, 'accrualPercent']} label="Начисление, %" tooltip="Пусто — другая схема начисления, задана через API">
                      <InputNumber min={0} max={100} step={0.5} decimalSeparator="," style={{ width: '100%' }} />
                    </Form.Item>
                  </Col>
                  <Col xs={12} md={5}>
                    <Form.Item name={[f.name, 'maxRedeemPercent']} label="Оплата бонусами до, %">
                      <InputNumber min={0} max={100} style={{ width: '100%' }} />
                    </Form.Item>
                  </Col>
                  <Col xs={12} md={3}>
                    <Form.Item>
                      <Button danger onClick={() => remove(f.name)} disabled={fields.length === 1}>
                        Удалить
                      </Button>
                    </Form.Item>
                  </Col>
                </Row>
              ))}
              <Button onClick={() => add({ code: `level${fields.length + 1}`, name: '', threshold: 0, accrualPercent: 5, maxRedeemPercent: 50, source: null })}>Добавить уровень</Button>
            </>
          )}
        </Form.List>
      </Card>
      <Card title="Активация и сгорание" style={{ marginBottom: 16 }}>
        <Row gutter={12}>
          <Col xs={24} md={8}>
            <Form.Item name="activationDays" label="Бонусы доступны через, дней">
              <InputNumber min={0} style={{ width: '100%' }} />
            </Form.Item>
          </Col>
          <Col xs={24} md={8}>
            <Form.Item name="expiryMode" label="Сгорание">
              <Select
                options={[
                  { value: 'never', label: 'Не сгорают' },
                  { value: 'afterAccrual', label: 'Через N дней после начисления' },
                  { value: 'afterLastPurchase', label: 'Через N дней после последней покупки' },
                  { value: 'dates', label: 'В даты календаря (задаются через API)', disabled: program.expiry.mode !== 'dates' },
                ]}
              />
            </Form.Item>
          </Col>
          {(mode === 'afterAccrual' || mode === 'afterLastPurchase') && (
            <Col xs={24} md={8}>
              <Form.Item name="expiryDays" label="Срок жизни, дней">
                <InputNumber min={0} style={{ width: '100%' }} />
              </Form.Item>
            </Col>
          )}
        </Row>
      </Card>
      {error && <Alert type="error" showIcon message={error} style={{ marginBottom: 16 }} id="program-error" />}
      <Space>
        <Button type="primary" htmlType="submit" loading={saving}>
          Сохранить программу
        </Button>
        <Typography.Text type="secondary">Подарки, рефералы, модификаторы и исключения сохраняются без изменений.</Typography.Text>
      </Space>
    </Form>
  );
}
