import { Col, Input, InputNumber, Row, Select, Space, Typography } from 'antd';
import { useEffect, useState, type ReactNode } from 'react';
import { api } from '../api';

// Who a campaign or a chain speaks to: the ledger's segment (levels, registration sources, gender,
// name, purchases, revenue, balance, days without a purchase, age). Every bound is inclusive and
// optional; people type rubles and points, the segment holds kopecks and hundredths.

export interface Segment {
  levels?: string[];
  sources?: string[];
  gender?: string;
  nameContains?: string;
  minPurchases?: number;
  maxPurchases?: number;
  minSpent?: number;
  maxSpent?: number;
  minBalance?: number;
  maxBalance?: number;
  minDaysWithoutPurchase?: number;
  maxDaysWithoutPurchase?: number;
  minAge?: number;
  maxAge?: number;
}

type Bound = 'Purchases' | 'Spent' | 'Balance' | 'DaysWithoutPurchase' | 'Age';
const RANGES: { key: Bound; label: string; scale: number; unit: string }[] = [
  { key: 'Purchases', label: 'Покупок', scale: 1, unit: '' },
  { key: 'Spent', label: 'Сумма покупок', scale: 100, unit: '₽' },
  { key: 'Balance', label: 'Баланс', scale: 100, unit: 'бонусов' },
  { key: 'DaysWithoutPurchase', label: 'Дней без покупок', scale: 1, unit: '' },
  { key: 'Age', label: 'Возраст', scale: 1, unit: 'лет' },
];

export const SOURCE_NAMES: Record<string, string> = { self: 'сам по ссылке', cashier: 'на кассе', import: 'импорт', api: 'API', moysklad: 'МойСклад', evotor: 'Эвотор', onec: '1С', frontol: 'Frontol' };

/** Drops empty fields: the server reads an absent bound as «any». */
export function compact(s: Segment): Segment {
  return Object.fromEntries(Object.entries(s).filter(([, v]) => v !== undefined && v !== null && v !== '' && !(Array.isArray(v) && v.length === 0))) as Segment;
}

function Range({ r, value, onChange }: { r: (typeof RANGES)[number]; value: Segment; onChange: (s: Segment) => void }) {
  const lo = `min${r.key}` as keyof Segment;
  const hi = `max${r.key}` as keyof Segment;
  const show = (v: unknown) => (typeof v === 'number' ? v / r.scale : null);
  const set = (k: keyof Segment) => (v: number | null) => onChange({ ...value, [k]: v === null ? undefined : Math.round(v * r.scale) });
  return (
    <Space.Compact style={{ width: '100%' }}>
      <InputNumber aria-label={`${r.label} от`} min={0} placeholder="от" value={show(value[lo])} onChange={set(lo)} style={{ width: '50%' }} />
      <InputNumber aria-label={`${r.label} до`} min={0} placeholder="до" value={show(value[hi])} onChange={set(hi)} style={{ width: '50%' }} addonAfter={r.unit || undefined} />
    </Space.Compact>
  );
}

export function CampaignsSegment({ value, onChange }: { value: Segment; onChange: (s: Segment) => void }) {
  const [levels, setLevels] = useState<{ value: string; label: string }[]>([]);
  const [sources, setSources] = useState<string[]>(Object.keys(SOURCE_NAMES));
  useEffect(() => {
    api<{ levels: { code: string; name: string }[] }>('GET', '/program').then((p) => setLevels(p.levels.map((l) => ({ value: l.code, label: l.name }))), () => undefined);
    api<{ sources: { source: string }[] }>('GET', '/reports/customers').then((r) => setSources((s) => [...new Set([...s, ...r.sources.map((x) => x.source).filter(Boolean)])]), () => undefined);
  }, []);
  const field = (label: string, node: ReactNode) => (
    <Col xs={24} md={12} xl={8}>
      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
        {label}
      </Typography.Text>
      {node}
    </Col>
  );
  return (
    <Row gutter={[12, 8]}>
      {field('Уровни', <Select aria-label="Уровни" mode="multiple" allowClear style={{ width: '100%' }} placeholder="любые" options={levels} value={value.levels ?? []} onChange={(levels) => onChange({ ...value, levels })} />)}
      {field(
        'Откуда пришли',
        <Select aria-label="Источники" mode="tags" allowClear style={{ width: '100%' }} placeholder="любые" value={value.sources ?? []} onChange={(sources) => onChange({ ...value, sources })} options={sources.map((s) => ({ value: s, label: SOURCE_NAMES[s] ? `${SOURCE_NAMES[s]} (${s})` : s }))} />,
      )}
      {field(
        'Пол',
        <Select aria-label="Пол" style={{ width: '100%' }} value={value.gender ?? ''} onChange={(g) => onChange({ ...value, gender: g || undefined })} options={[{ value: '', label: 'любой' }, { value: 'female', label: 'женский' }, { value: 'male', label: 'мужской' }]} />,
      )}
      {field('Имя содержит', <Input aria-label="Имя содержит" allowClear value={value.nameContains ?? ''} onChange={(e) => onChange({ ...value, nameContains: e.target.value || undefined })} />)}
      {RANGES.map((r) => (
        <Col key={r.key} xs={24} md={12} xl={8}>
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {r.label}
          </Typography.Text>
          <Range r={r} value={value} onChange={onChange} />
        </Col>
      ))}
    </Row>
  );
}

/** The segment in words: «уровни: silver · дней без покупок от 60». */
export function segmentText(s: Segment): string {
  const out: string[] = [];
  if (s.levels?.length) out.push(`уровни: ${s.levels.join(', ')}`);
  if (s.sources?.length) out.push(`откуда: ${s.sources.map((x) => SOURCE_NAMES[x] ?? x).join(', ')}`);
  if (s.gender) out.push(s.gender === 'female' ? 'женщины' : s.gender === 'male' ? 'мужчины' : s.gender);
  if (s.nameContains) out.push(`имя содержит «${s.nameContains}»`);
  for (const r of RANGES) {
    const lo = s[`min${r.key}` as keyof Segment] as number | undefined;
    const hi = s[`max${r.key}` as keyof Segment] as number | undefined;
    if (lo === undefined && hi === undefined) continue;
    const fmt = (v: number) => `${(v / r.scale).toLocaleString('ru-RU')}${r.unit ? ` ${r.unit}` : ''}`;
    out.push(`${r.label.toLowerCase()} ${lo !== undefined ? `от ${fmt(lo)}` : ''}${lo !== undefined && hi !== undefined ? ' ' : ''}${hi !== undefined ? `до ${fmt(hi)}` : ''}`);
  }
  return out.length === 0 ? 'все клиенты' : out.join(' · ');
}
