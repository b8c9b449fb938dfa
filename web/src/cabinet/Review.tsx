import { Alert, Button, Empty, Popconfirm, Segmented, Space, Table, Tag, message } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { api } from '../api';
import { dateTime } from '../format';

// The review queue: documents a cash system sent that could not be applied. The owner applies
// one (after fixing what stopped it) or dismisses it; linking to a sale or customer is in the API.

interface Item {
  id: string;
  system: string;
  kind: string;
  externalId: string;
  reason: string;
  createdAt: string;
  status: 'open' | 'resolved';
  resolution: string | null;
}

export function Review() {
  const [status, setStatus] = useState<'open' | 'resolved' | 'all'>('open');
  const [data, setData] = useState<{ count: number; items: Item[]; counts: { open: number } } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(() => {
    api<{ count: number; items: Item[]; counts: { open: number } }>('GET', `/review?status=${status}`).then(setData, (e) => setError(e.message));
  }, [status]);
  useEffect(load, [load]);
  const resolve = async (id: string, action: 'apply' | 'dismiss') => {
    try {
      await api('POST', `/review/${id}/resolve`, { action });
      message.success(action === 'apply' ? 'Документ применён' : 'Документ отклонён');
      load();
    } catch (e) {
      message.error((e as Error).message);
    }
  };
  return (
    <>
      <Space style={{ marginBottom: 16 }}>
        <Segmented value={status} onChange={(v) => setStatus(v as typeof status)} options={[{ value: 'open', label: `Ждут решения${data ? ` (${data.counts.open})` : ''}` }, { value: 'resolved', label: 'Решённые' }, { value: 'all', label: 'Все' }]} />
      </Space>
      {error && <Alert type="error" message={error} />}
      <Table<Item>
        rowKey="id"
        loading={data === null}
        dataSource={data?.items ?? []}
        locale={{ emptyText: <Empty description="Очередь пуста: все документы касс применены" /> }}
        scroll={{ x: 800 }}
        columns={[
          { title: 'Когда', dataIndex: 'createdAt', render: (v) => dateTime(v) },
          { title: 'Откуда', dataIndex: 'system', render: (v) => <Tag>{v}</Tag> },
          { title: 'Документ', render: (_, i) => `${i.kind} ${i.externalId}` },
          { title: 'Почему', dataIndex: 'reason' },
          {
            title: '',
            render: (_, i) =>
              i.status === 'open' ? (
                <Space>
                  <Button size="small" onClick={() => resolve(i.id, 'apply')}>
                    Применить
                  </Button>
                  <Popconfirm title="Отклонить документ?" onConfirm={() => resolve(i.id, 'dismiss')}>
                    <Button size="small" danger>
                      Отклонить
                    </Button>
                  </Popconfirm>
                </Space>
              ) : (
                <Tag color="green">{i.resolution}</Tag>
              ),
          },
        ]}
      />
    </>
  );
}
