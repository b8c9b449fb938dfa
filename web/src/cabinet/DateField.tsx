import { DatePicker, Form } from 'antd';
import dayjs from 'dayjs';
import type { ReactNode } from 'react';

// A calendar date kept as «ГГГГ-ММ-ДД» text in the form (as the server wants it), shown and typed
// the Russian way (ДД.ММ.ГГГГ) through Ant Design's picker.
export function DateField({ name, label, id, width = 150 }: { name: (string | number)[] | string; label: ReactNode; id?: string; width?: number }) {
  return (
    <Form.Item
      name={name}
      label={label}
      getValueProps={(v: string | null | undefined) => ({ value: v ? dayjs(v) : null })}
      normalize={(d: dayjs.Dayjs | null) => (d ? d.format('YYYY-MM-DD') : '')}
    >
      <DatePicker format="DD.MM.YYYY" placeholder="ДД.ММ.ГГГГ" style={{ width }} {...(id ? { id } : {})} />
    </Form.Item>
  );
}
