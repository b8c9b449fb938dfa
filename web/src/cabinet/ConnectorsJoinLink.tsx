import { Alert, Button, Card, Col, Form, Input, Row, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { api } from '../api';

// A self-registration link for one shop or one campaign: `?source=` and/or `?store=` travel with
// the link and become the customer's registration source (the reports' «attraction by source»
// counts each apart); the self-registration gift is kept. The QR code is drawn by the server.

interface Link {
  url: string;
  qrSvg: string;
  source: string;
}

export function ConnectorsJoinLink() {
  const [link, setLink] = useState<Link | null>(null);
  const [error, setError] = useState<string | null>(null);
  const make = async (v: { source?: string; store?: string }) => {
    setError(null);
    const q = new URLSearchParams();
    if (v.source) q.set('source', v.source.trim());
    if (v.store) q.set('store', v.store.trim());
    try {
      setLink(await api<Link>('GET', `/join-link?${q}`));
    } catch (e) {
      setError((e as Error).message);
    }
  };
  useEffect(() => {
    void make({});
  }, []);
  return (
    <Card title="Ссылка и QR-код регистрации" id="join-link" style={{ marginBottom: 16 }}>
      <Row gutter={24}>
        <Col xs={24} md={14}>
          <Typography.Paragraph type="secondary">
            Повесьте QR-код у кассы, разместите ссылку на сайте или в рассылке. Укажите магазин или акцию — в отчёте «Клиенты → откуда пришли» такие регистрации будут отдельной строкой. Подарок за регистрацию сохраняется.
          </Typography.Paragraph>
          <Form layout="inline" onFinish={make} style={{ rowGap: 8, marginBottom: 12 }}>
            <Form.Item name="source" label="Акция">
              <Input placeholder="например leaflet" maxLength={10} style={{ width: 150 }} />
            </Form.Item>
            <Form.Item name="store" label="Магазин">
              <Input placeholder="например shop-1" maxLength={10} style={{ width: 150 }} />
            </Form.Item>
            <Button type="primary" htmlType="submit">
              Сделать ссылку
            </Button>
          </Form>
          {error && <Alert type="error" message={error} style={{ marginBottom: 12 }} />}
          {link && (
            <>
              <Typography.Paragraph copyable={{ text: link.url }} style={{ marginBottom: 4 }}>
                <Typography.Text code id="join-link-url">{link.url}</Typography.Text>
              </Typography.Paragraph>
              <Typography.Text type="secondary">Источник клиента: {link.source}</Typography.Text>
            </>
          )}
        </Col>
        <Col xs={24} md={10} style={{ textAlign: 'center' }}>
          {link && (
            <>
              {/* The server's SVG, drawn by the qrcode package from our own address. */}
              <div style={{ width: 220, margin: '0 auto' }} dangerouslySetInnerHTML={{ __html: link.qrSvg }} />
              <Button size="small" href={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(link.qrSvg)}`} download={`kopilka-qr-${link.source.replace(/[^\w-]/g, '_')}.svg`}>
                Скачать QR (SVG)
              </Button>
            </>
          )}
        </Col>
      </Row>
    </Card>
  );
}
