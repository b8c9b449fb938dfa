import { Alert, Button, Collapse, Form, Space, Spin, Typography, message } from 'antd';
import { useEffect, useState } from 'react';
import { api, ApiError } from '../api';
import { ProgramBasics } from './ProgramBasics';
import { ProgramGifts, ProgramReferral } from './ProgramGifts';
import { ProgramLevels } from './ProgramLevels';
import { ProgramModifiers, ProgramPromotions } from './ProgramPromotions';
import { fieldOfPath, fromForm, toForm, type Program } from './program-form';

// The program editor: every setting of the program (ledger/program.ts) in sections. The server
// validates; its 400 names the field by path, and the message is shown under that field (the
// section holding it opens). What the form does not show is sent back as it came.

const SECTION_OF: Record<string, string> = {
  levels: 'levels',
  activationDays: 'rules',
  expiry: 'rules',
  rounding: 'rules',
  minCheckForRedeem: 'rules',
  maxBackdateDays: 'rules',
  timezone: 'rules',
  exclusions: 'rules',
  gifts: 'gifts',
  referral: 'referral',
  modifiers: 'modifiers',
  promotions: 'promotions',
};

export function ProgramEditor() {
  const [program, setProgram] = useState<Program | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const [open, setOpen] = useState<string[]>(['levels']);
  const [form] = Form.useForm();
  const levelRows = Form.useWatch('levels', form) as { code: string; name: string }[] | undefined;
  useEffect(() => {
    api<Program>('GET', '/program').then((p) => {
      setProgram(p);
      form.setFieldsValue(toForm(p));
    }, (e) => setError(e.message));
  }, [form]);
  if (program === null) return error ? <Alert type="error" message={error} /> : <Spin />;
  const levels = (levelRows ?? []).filter((l) => l?.code).map((l) => ({ value: l.code, label: l.name || l.code }));
  const save = async () => {
    // The whole store: the untouched parts (each item's `source`) are not form fields.
    const v = form.getFieldsValue(true);
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
      const name = e.field === null ? null : fieldOfPath(e.field, form.getFieldsError().map((f) => f.name as (string | number)[]));
      if (name !== null) {
        const section = SECTION_OF[String(name[0])];
        if (section && !open.includes(section)) setOpen([...open, section]);
        form.setFields([{ name: name as any, errors: [e.fieldMessage] }]);
        setTimeout(() => form.scrollToField(name as any, { block: 'center' }), 50);
      }
      setError(e.message);
    } finally {
      setSaving(false);
    }
  };
  const items = [
    { key: 'levels', label: 'Уровни', children: <ProgramLevels /> },
    { key: 'rules', label: 'Активация, сгорание и общие правила', children: <ProgramBasics /> },
    { key: 'gifts', label: 'Подарки', children: <ProgramGifts /> },
    { key: 'referral', label: 'Приглашение друзей', children: <ProgramReferral /> },
    { key: 'modifiers', label: 'Модификаторы', children: <ProgramModifiers levels={levels} /> },
    { key: 'promotions', label: 'Акции', children: <ProgramPromotions levels={levels} /> },
  ].map((i) => ({ ...i, forceRender: true }));
  return (
    <Form form={form} layout="vertical" onFinish={save} onValuesChange={() => setError(null)}>
      <Collapse items={items} activeKey={open} onChange={(k) => setOpen(k as string[])} style={{ marginBottom: 16, background: '#fff' }} />
      {error && <Alert type="error" showIcon message={error} style={{ marginBottom: 16 }} id="program-error" />}
      <Space style={{ padding: '4px 0 12px' }}>
        <Button type="primary" htmlType="submit" loading={saving}>
          Сохранить программу
        </Button>
        <Typography.Text type="secondary">Настройки, которых нет на этой странице, сохраняются без изменений.</Typography.Text>
      </Space>
    </Form>
  );
}
