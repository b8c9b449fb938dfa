import { Button, Layout, Spin, Typography } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { api } from '../api';
import { SignIn } from '../SignIn';
import { Workplace } from './Workplace';

// The cashier workplace: signed in with a key of the `cashier` channel that the owner issued in
// the cabinet; sales are recorded under that channel and billed like any till's.
export function Cashier() {
  const [state, setState] = useState<'checking' | 'out' | { storeId: string | null }>('checking');
  const check = useCallback(() => {
    api<{ storeId: string | null }>('GET', '/session?as=cashier').then(
      (s) => setState({ storeId: s.storeId }),
      () => setState('out'),
    );
  }, []);
  useEffect(check, [check]);
  if (state === 'checking') return <Spin style={{ display: 'block', marginTop: '20vh' }} size="large" />;
  if (state === 'out') return <SignIn as="cashier" title="Рабочее место кассира" hint="Войдите ключом канала «cashier». Его выпускает владелец в кабинете, раздел «Каналы и ключи»." onDone={check} />;
  return (
    <Layout style={{ minHeight: '100vh' }}>
      <Layout.Header style={{ background: '#fff', display: 'flex', justifyContent: 'space-between', alignItems: 'center', padding: '0 16px' }}>
        <Typography.Title level={4} style={{ margin: 0 }}>
          Касса{state.storeId ? ` · ${state.storeId}` : ''}
        </Typography.Title>
        <Button
          onClick={async () => {
            await api('DELETE', '/session').catch(() => undefined);
            setState('out');
          }}
        >
          Выйти
        </Button>
      </Layout.Header>
      <Layout.Content style={{ padding: 16 }}>
        <Workplace />
      </Layout.Content>
    </Layout>
  );
}
