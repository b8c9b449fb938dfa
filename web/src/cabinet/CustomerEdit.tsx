import { Button, Card, Form, Input, Select, Space, message } from 'antd';
import { useEffect, useState } from 'react';
import { api, ApiError } from '../api';
import type { CardCustomer } from './CustomerCard';
import { DateField } from './DateField';

// What the owner changes in a customer's card by hand: their data; the level (assigned by hand
// or the one purchases earn); a new card number when the old card is lost.

type ProfileForm = { name: string; gender: string | null; birthDate: string; email: string; comment: string };

async function submitting<T>(form: { setFields: (f: { name: any; errors: string[] }[]) => void }, fields: string[], call: () => Promise<T>): Promise<T | null> {
  try {
    return await call();
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    const name = e.field !== null && fields.includes(e.field) ? e.field : fields[0]!;
    form.setFields([{ name, errors: [e.fieldMessage] }]);
    return null;
  }
}

export function Profile({ c, onDone }: { c: CardCustomer; onDone: () => void }) {
  const [form] = Form.useForm<ProfileForm>();
  const [busy, setBusy] = useState(false);
  useEffect(() => form.setFieldsValue({ name: c.name ?? '', gender: c.gender, birthDate: c.birthDate ?? '', email: c.email ?? '', comment: c.comment ?? '' }), [c, form]);
  const save = async (v: ProfileForm) => {
    setBusy(true);
    const body = { name: v.name || null, gender: v.gender ?? null, birthDate: v.birthDate || null, email: v.email || null, comment: v.comment || null };
    const r = await submitting(form, ['name', 'gender', 'birthDate', 'email', 'comment'], () => api('PUT', `/customers/${encodeURIComponent(c.id)}/profile`, body)).finally(() => setBusy(false));
    if (r !== null) {
      message.success('Данные клиента сохранены');
      onDone();
    }
  };
  return (
    <Card title="Данные клиента" style={{ marginTop: 16 }}>
      <Form form={form} layout="vertical" onFinish={save}>
        <Space wrap align="start">
          <Form.Item name="name" label="Имя">
            <Input style={{ width: 220 }} id="profile-name" />
          </Form.Item>
          <Form.Item name="gender" label="Пол">
            <Select allowClear style={{ width: 130 }} options={[{ value: 'female', label: 'женский' }, { value: 'male', label: 'мужской' }]} placeholder="не указан" />
          </Form.Item>
          <DateField name="birthDate" label="Дата рождения" id="profile-birth" />
          <Form.Item name="email" label="E-mail">
            <Input style={{ width: 240 }} id="profile-email" />
          </Form.Item>
        </Space>
        <Form.Item name="comment" label="Комментарий">
          <Input.TextArea rows={2} maxLength={4096} id="profile-comment" />
        </Form.Item>
        <Button htmlType="submit" loading={busy}>
          Сохранить данные
        </Button>
      </Form>
    </Card>
  );
}

export function LevelAndCard({ c, onDone }: { c: CardCustomer; onDone: () => void }) {
  const [levels, setLevels] = useState<{ value: string; label: string }[]>([]);
  const [levelForm] = Form.useForm<{ level: string }>();
  const [cardForm] = Form.useForm<{ cardNumber: string }>();
  useEffect(() => {
    api<{ levels: { code: string; name: string }[] }>('GET', '/program').then((p) => setLevels(p.levels.map((l) => ({ value: l.code, label: l.name }))), () => undefined);
  }, []);
  useEffect(() => levelForm.setFieldsValue({ level: c.assignedLevel ?? '' }), [c, levelForm]);
  const assign = async (v: { level: string }) => {
    const r = await submitting(levelForm, ['level'], () => api('PUT', `/customers/${encodeURIComponent(c.id)}/level`, { level: v.level || null }));
    if (r !== null) {
      message.success('Уровень назначен');
      onDone();
    }
  };
  const reissue = async (v: { cardNumber: string }) => {
    const r = await submitting(cardForm, ['cardNumber'], () => api('POST', `/customers/${encodeURIComponent(c.id)}/card`, { cardNumber: v.cardNumber.trim() }));
    if (r !== null) {
      message.success('Карта перевыпущена');
      cardForm.resetFields();
      onDone();
    }
  };
  return (
    <Card title="Уровень и карта" style={{ marginTop: 16 }}>
      <Form form={levelForm} layout="vertical" onFinish={assign}>
        <Form.Item name="level" label="Назначенный уровень" tooltip="Клиент получает больший из назначенного и заработанного покупками">
          <Select id="assign-level" options={[{ value: '', label: 'По покупкам (не назначен)' }, ...levels]} />
        </Form.Item>
        <Button htmlType="submit">Назначить уровень</Button>
      </Form>
      <Form form={cardForm} layout="vertical" onFinish={reissue} style={{ marginTop: 24 }}>
        <Form.Item name="cardNumber" label={`Новый номер карты${c.cardNumber ? ` (сейчас ${c.cardNumber})` : ''}`} rules={[{ required: true, message: 'Номер новой карты' }]}>
          <Input id="new-card" />
        </Form.Item>
        <Button htmlType="submit">Перевыпустить карту</Button>
      </Form>
    </Card>
  );
}
