import { Card, Col, Row, Typography } from 'antd';

// The service's front page: where each kind of person goes.
export function Home() {
  return (
    <div style={{ maxWidth: 900, margin: '48px auto', padding: 16 }}>
      <Typography.Title>Копилка</Typography.Title>
      <Typography.Paragraph type="secondary">Программа лояльности: бонусы, уровни, скидки.</Typography.Paragraph>
      <Row gutter={[16, 16]}>
        <Col xs={24} md={12}>
          <Card title="Кабинет владельца" extra={<a href="/cabinet">Войти</a>}>
            Программа, клиенты, очередь разбора, ключи каналов, потребление.
          </Card>
        </Col>
        <Col xs={24} md={12}>
          <Card title="Рабочее место кассира" extra={<a href="/cashier">Открыть</a>}>
            Найти или зарегистрировать клиента, продать с оплатой бонусами, вернуть.
          </Card>
        </Col>
      </Row>
    </div>
  );
}
