import { Alert, Badge, Card, Col, Row, Table, Tag, Typography } from 'antd';
import type { ReactNode } from 'react';
import { useEffect, useState } from 'react';
import { api } from '../api';
import { navigate } from '../nav';
import { ConnectorsJoinLink } from './ConnectorsJoinLink';

// «Подключения»: for each cash system, what is connected (keys, the МойСклад solution, Эвотор
// users, the last day a check came) and how to connect it, with this server's own addresses.
// The full instructions are the README's sections, named under each card.

interface ChannelState {
  channel: string;
  liveKeys: number;
  stores: string[];
  lastKeyAt: string | null;
  lastCheckDay: string | null;
  checks30: number;
}
interface State {
  base: string;
  publicUrlSet: boolean;
  posPort: number;
  channels: ChannelState[];
  moysklad: { solutionOffered: boolean; linked: boolean; tokenSet: boolean; webhookUrl: string | null; loyaltyUrl: string };
  evotor: { appConfigured: boolean; linkedUsers: number; base: string };
  onec: { wsdl: string; json: string };
  frontol: { url: string };
  api: { url: string; openapi: string };
}

const NAMES: Record<string, string> = { api: 'JSON API', cashier: 'Рабочее место кассира', onec: '1С', moysklad: 'МойСклад', frontol: 'Frontol', evotor: 'Эвотор' };
const day = (d: string | null) => (d === null ? '—' : new Date(`${d}T12:00:00Z`).toLocaleDateString('ru-RU'));

const Address = ({ label, value }: { label: string; value: string }) => (
  <div style={{ marginBottom: 6 }}>
    <Typography.Text type="secondary" style={{ display: 'block', fontSize: 12 }}>{label}</Typography.Text>
    <Typography.Text code copyable style={{ wordBreak: 'break-all' }}>{value}</Typography.Text>
  </div>
);
const Ok = ({ on, yes, no }: { on: boolean; yes: string; no: string }) => <div><Badge status={on ? 'success' : 'default'} text={on ? yes : no} /></div>;

function System({ title, state, status, steps, readme, children }: { title: string; state: ChannelState | undefined; status?: ReactNode; steps: ReactNode[]; readme: string; children?: ReactNode }) {
  const connected = state !== undefined && (state.liveKeys > 0 || state.lastCheckDay !== null);
  return (
    <Card title={title} extra={connected ? <Tag color="green">подключено</Tag> : <Tag>не подключено</Tag>} style={{ height: '100%' }} className="connector-card">
      {status}
      {state && (
        <Typography.Paragraph type="secondary" style={{ margin: '4px 0 8px' }}>
          Ключей: {state.liveKeys}{state.stores.length ? ` (магазины ${state.stores.join(', ')})` : ''} · последний чек: {day(state.lastCheckDay)} · чеков за 30 дней: {state.checks30}
        </Typography.Paragraph>
      )}
      {children}
      <Typography.Text strong>Как подключить</Typography.Text>
      <ol style={{ paddingLeft: 20, margin: '4px 0 8px' }}>
        {steps.map((s, i) => <li key={i}>{s}</li>)}
      </ol>
      <Typography.Text type="secondary">Подробно: README, раздел «{readme}»</Typography.Text>
    </Card>
  );
}

function Cards({ s }: { s: State }) {
  const ch = (c: string) => s.channels.find((x) => x.channel === c);
  const key = <Typography.Link onClick={() => navigate('/cabinet/keys')}>Каналы и ключи</Typography.Link>;
  return (
    <Row gutter={[16, 16]}>
      <Col xs={24} xl={12}>
        <System title="МойСклад" state={ch('moysklad')} readme="Cash systems → МойСклад, start to finish" status={<>
          <Ok on={s.moysklad.linked} yes="решение «Копилка» связано с этой организацией" no="решение «Копилка» не связано" />
          <Ok on={s.moysklad.tokenSet} yes="токен JSON API получен: вебхуки и импорт контрагентов" no="нет токена JSON API" />
          {!s.moysklad.solutionOffered && <Alert type="warning" showIcon style={{ margin: '6px 0' }} message="Решение в каталоге МойСклад не зарегистрировано на этом сервере (MOYSKLAD_APP_*): подключение только токеном JSON API" />}
        </>} steps={[
          'В МоёмСкладе: Приложения → «Копилка» → Установить.',
          'Откройте окно решения администратором аккаунта и свяжите эту организацию её ключом администратора.',
          'Копилка сама передаст МоемуСкладу адрес программы лояльности и ключ касс, создаст вебхуки продаж и возвратов (на бесплатном тарифе их нет — чеки касс приходят всё равно) и импортирует контрагентов с суммами покупок.',
        ]}>
          <Address label="Программа лояльности" value={s.moysklad.loyaltyUrl} />
          {s.moysklad.webhookUrl && <Address label="Вебхуки" value={s.moysklad.webhookUrl} />}
        </System>
      </Col>
      <Col xs={24} xl={12}>
        <System title="Эвотор" state={ch('evotor')} readme="Cash systems → Эвотор" status={<>
          <Ok on={s.evotor.linkedUsers > 0} yes={`связано пользователей Эвотора: ${s.evotor.linkedUsers}`} no="ни один пользователь Эвотора не связан" />
          {!s.evotor.appConfigured && <Alert type="warning" showIcon style={{ margin: '6px 0' }} message="Приложение Эвотор не настроено на этом сервере (EVOTOR_APP_TOKEN)" />}
        </>} steps={[
          'В личном кабинете Эвотора установите приложение «Копилка».',
          'При установке войдите: пароль — ключ администратора этой организации, логин — любой.',
          'Чеки продаж и возвратов всех смарт-терминалов пойдут в Копилку сами; клиента кассир указывает телефоном в чеке.',
        ]}>
          <Address label="Адрес приложения (для разработчика на dev.evotor.ru)" value={s.evotor.base} />
        </System>
      </Col>
      <Col xs={24} xl={12}>
        <System title="Frontol 6" state={ch('frontol')} readme="Cash systems → Frontol 6 (ATOL)" steps={[
          <>Выпустите ключ канала frontol на каждый магазин: {key}.</>,
          <>В скрипте <Typography.Text code>connectors/frontol/kopilka.js</Typography.Text> задайте KOPILKA_URL и KOPILKA_KEY.</>,
          'Загрузите скрипт во «Frontol Администратор» и создайте маркетинговое действие «Оплата бонусами».',
        ]}>
          <Address label="KOPILKA_URL" value={s.base} />
        </System>
      </Col>
      <Col xs={24} xl={12}>
        <System title="1С:Предприятие" state={ch('onec')} readme="Cash systems → 1C:Enterprise" steps={[
          <>Выпустите ключ канала onec на каждый магазин: {key}.</>,
          <>Программист 1С добавляет расширение: WS-ссылка из адреса WSDL и модуль <Typography.Text code>connectors/onec/Kopilka.bsl</Typography.Text>.</>,
          'Ключ — пароль HTTP Basic (пользователь любой). Проверьте на копии базы: продажа, возврат, перепроведение.',
        ]}>
          <Address label="WSDL" value={s.onec.wsdl} />
        </System>
      </Col>
      <Col xs={24} xl={12}>
        <System title="Своя интеграция (JSON API)" state={ch('api')} readme="A first session" steps={[
          <>Выпустите ключ канала api: {key}.</>,
          'Касса вызывает /v1/checks/calculate и /v1/checks с ключом в Authorization: Bearer.',
        ]}>
          <Address label="API" value={s.api.url} />
          <Address label="Описание (OpenAPI)" value={s.api.openapi} />
        </System>
      </Col>
      <Col xs={24} xl={12}>
        <System title="Рабочее место кассира" state={ch('cashier')} readme="Pages for people" steps={[
          <>Выпустите ключ канала cashier: {key}.</>,
          <>Откройте на планшете <Typography.Text code>{s.base}/cashier</Typography.Text> и войдите этим ключом.</>,
        ]} />
      </Col>
    </Row>
  );
}

export function Connectors() {
  const [s, setS] = useState<State | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api<State>('GET', '/connectors').then(setS, (e) => setError(e.message));
  }, []);
  return (
    <>
      {error && <Alert type="error" message={error} />}
      {s && !s.publicUrlSet && <Alert type="warning" showIcon style={{ marginBottom: 16 }} message={`Внешний адрес сервера не задан (PUBLIC_URL): адреса ниже взяты из адреса этой страницы (${s.base}). Кассам и облакам нужен адрес, доступный из интернета.`} />}
      {s && (
        <>
          <Table<ChannelState>
            size="small"
            rowKey="channel"
            pagination={false}
            dataSource={s.channels}
            style={{ marginBottom: 16 }}
            columns={[
              { title: 'Канал', dataIndex: 'channel', render: (c: string) => NAMES[c] ?? c },
              { title: 'Действующих ключей', dataIndex: 'liveKeys', align: 'right' },
              { title: 'Последний чек', dataIndex: 'lastCheckDay', render: day },
              { title: 'Чеков за 30 дней', dataIndex: 'checks30', align: 'right' },
            ]}
          />
          <Cards s={s} />
        </>
      )}
      <div style={{ marginTop: 16 }}>
        <ConnectorsJoinLink />
      </div>
    </>
  );
}
