import { postgresServer } from './postgres-server.ts';

// Tests run against a real Postgres: TEST_DATABASE_URL, else 127.0.0.1:5432, else an embedded one
// (test/postgres-server.ts). Each test file then makes its own database on it (test/postgres.ts).

export default async function setup(): Promise<() => Promise<void>> {
  const server = await postgresServer({ variable: 'TEST_DATABASE_URL', url: process.env.TEST_DATABASE_URL }, 'test');
  process.env.KOPILKA_TEST_PG_URL = server.url;
  console.log(`tests: Postgres at ${server.label}`);
  return () => server.stop();
}
