import { Button, Layout, Menu, Spin, Typography } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { api } from '../api';
import { navigate } from '../nav';
import { SignIn } from '../SignIn';
import { CustomerCard } from './CustomerCard';
import { Customers } from './Customers';
import { Feedback } from './Feedback';
import { GiftcardCard } from './GiftcardCard';
import { Giftcards } from './Giftcards';
import { Keys } from './Keys';
import { Messages } from './Messages';
import { Campaigns } from './Campaigns';
import { Chains } from './Chains';
import { Connectors } from './Connectors';
import { ProgramEditor } from './ProgramEditor';
import { Checks } from './Checks';
import { CheckDetail } from './CheckDetail';
import { Invoice } from './Invoice';
import { LoginSettings } from './LoginSettings';
import { Review } from './Review';
import { Reports } from './Reports';
import { Usage } from './Usage';

// The owner's cabinet: signed in with the admin key; a menu of sections, each its own address.

const SECTIONS = [
  { key: 'program', label: 'Программа' },
  { key: 'customers', label: 'Клиенты' },
  { key: 'checks', label: 'Чеки' },
  { key: 'review', label: 'Очередь разбора' },
  { key: 'feedback', label: 'Отзывы' },
  { key: 'messages', label: 'Сообщения' },
  { key: 'campaigns', label: 'Рассылки' },
  { key: 'giftcards', label: 'Сертификаты' },
  { key: 'chains', label: 'Цепочки' },
  { key: 'connectors', label: 'Подключения' },
  { key: 'keys', label: 'Каналы и ключи' },
  { key: 'usage', label: 'Потребление' },
  { key: 'invoice', label: 'Счёт' },
  { key: 'login', label: 'Вход по логину' },
  { key: 'reports', label: 'Отчёты' },
];

export function Cabinet({ path }: { path: string }) {
  const [state, setState] = useState<'checking' | 'out' | 'in'>('checking');
  const check = useCallback(() => {
    api('GET', '/session?as=cabinet').then(
      () => setState('in'),
      () => setState('out'),
    );
  }, []);
  useEffect(check, [check]);
  if (state === 'checking') return <Spin style={{ display: 'block', marginTop: '20vh' }} size="large" />;
  if (state === 'out') return <SignIn as="cabinet" title="Кабинет владельца" hint="Войдите ключом администратора организации, который выдал оператор, или логином и паролем, заданными в кабинете." onDone={() => setState('in')} />;
  const parts = path.split('/').filter(Boolean); // ['cabinet', section, id?]
  const section = parts[1] ?? 'program';
  const signOut = async () => {
    await api('DELETE', '/session').catch(() => undefined);
    setState('out');
  };
  return (
    <Layout style={{ minHeight: '100vh' }}>
      <Layout.Sider breakpoint="md" collapsedWidth={0} theme="light" width={220}>
        <Typography.Title level={4} style={{ padding: '16px 24px', margin: 0 }}>
          Копилка
        </Typography.Title>
        <Menu mode="inline" selectedKeys={[section]} items={SECTIONS} onClick={(e) => navigate(`/cabinet/${e.key}`)} />
      </Layout.Sider>
      <Layout>
        <Layout.Header style={{ background: '#fff', display: 'flex', justifyContent: 'space-between', alignItems: 'center', padding: '0 24px' }}>
          <Typography.Text strong>{SECTIONS.find((s) => s.key === section)?.label ?? ''}</Typography.Text>
          <Button onClick={signOut}>Выйти</Button>
        </Layout.Header>
        <Layout.Content style={{ padding: 24 }}>
          {section === 'program' && <ProgramEditor />}
          {section === 'customers' && (parts[2] ? <CustomerCard id={parts[2]} /> : <Customers />)}
          {section === 'review' && <Review />}
          {section === 'feedback' && <Feedback />}
          {section === 'messages' && <Messages />}
          {section === 'campaigns' && <Campaigns />}
          {section === 'giftcards' && (parts[2] ? <GiftcardCard code={decodeURIComponent(parts[2])} /> : <Giftcards />)}
          {section === 'chains' && <Chains />}
          {section === 'connectors' && <Connectors />}
          {section === 'keys' && <Keys />}
          {section === 'usage' && <Usage />}
          {section === 'checks' && (parts[2] ? <CheckDetail id={parts[2]} /> : <Checks />)}
          {section === 'invoice' && <Invoice />}
          {section === 'login' && <LoginSettings />}
          {section === 'reports' && <Reports />}
        </Layout.Content>
      </Layout>
    </Layout>
  );
}
