import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';

// Local stand-ins for the providers, speaking their documented APIs (answers from fixtures/, see
// fixtures/SOURCES.md), for the tests and the 10,000-message measure. Each records what it took,
// so a test can count deliveries per message.

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'));

export interface StandIn {
  url: string;
  /** Messages taken, in order: our client id (SMSC), or the text. */
  received: { id: string; to: string; text: string }[];
  /** Holds every answer this long (a crash test kills the worker while requests are in flight). */
  delayMs: number;
  /** Answers this many requests with the provider's "try later" before taking them. */
  failNext: number;
  close(): Promise<void>;
}

async function listen(server: Server | TcpServer): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as { port: number }).port;
}

function http(handle: (url: URL, body: string, s: StandIn) => unknown): Promise<StandIn> {
  const s: StandIn = { url: '', received: [], delayMs: 0, failNext: 0, close: async () => {} };
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const answer = handle(new URL(req.url ?? '/', 'http://x'), body, s);
      const reply = () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(answer));
      };
      if (s.delayMs > 0) setTimeout(reply, s.delayMs);
      else reply();
    });
  });
  server.keepAliveTimeout = 1000;
  return listen(server).then((port) => {
    s.url = `http://127.0.0.1:${port}`;
    s.close = () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r())));
    return s;
  });
}

/** SMSC.ru: /sys/send.php (fmt=3) and /sys/status.php by our id. */
export function smscStandIn(): Promise<StandIn> {
  const ok = fixture('smsc-send.response.json');
  const busy = fixture('smsc-send-error.response.json');
  const found = fixture('smsc-status.response.json');
  const missing = fixture('smsc-status-not-found.response.json');
  return http((url, _body, s) => {
    const q = url.searchParams;
    if (url.pathname === '/sys/status.php') return s.received.some((r) => r.id === q.get('id')) ? found : missing;
    if (s.failNext > 0) return (s.failNext--, busy);
    s.received.push({ id: q.get('id')!, to: q.get('phones')!, text: q.get('mes')! });
    return { ...ok, id: Number(q.get('id')) };
  });
}

/** SMS.ru: /sms/send?json=1 answers per number. */
export function smsRuStandIn(): Promise<StandIn> {
  const doc = fixture('smsru-send.response.json');
  let n = 0;
  return http((url, _body, s) => {
    const to = url.searchParams.get('to')!;
    s.received.push({ id: String(++n), to, text: url.searchParams.get('msg')! });
    return { ...doc, sms: { [to]: { ...doc.sms['79255070602'], sms_id: `000000-${n}` } } };
  });
}

/** Telegram Bot API: POST /bot<token>/sendMessage. */
export function telegramStandIn(): Promise<StandIn> {
  const ok = fixture('telegram-sendMessage.response.json');
  let n = 0;
  return http((url, body, s) => {
    if (!/^\/bot[^/]+\/sendMessage$/.test(url.pathname)) return { ok: false, error_code: 404, description: 'Not Found' };
    const m = JSON.parse(body) as { chat_id: string; text: string };
    s.received.push({ id: String(++n), to: String(m.chat_id), text: m.text });
    return { ...ok, result: { ...ok.result, message_id: n, chat: { ...ok.result.chat, id: Number(m.chat_id) }, text: m.text } };
  });
}

/** The least of SMTP (RFC 5321) a client needs: EHLO, MAIL, RCPT, DATA, QUIT; no TLS, no auth. */
export async function smtpStandIn(): Promise<StandIn & { port: number }> {
  const s = { url: '', port: 0, received: [] as StandIn['received'], delayMs: 0, failNext: 0, close: async () => {} };
  const server = createTcpServer((sock) => {
    let buf = '';
    let data: string | null = null;
    let to = '';
    sock.write('220 standin ESMTP\r\n');
    sock.on('data', (chunk) => {
      buf += chunk.toString('utf8');
      let i: number;
      while ((i = buf.indexOf('\r\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 2);
        if (data !== null) {
          if (line === '.') {
            const id = /^Message-ID:\s*(.+)$/im.exec(data)?.[1] ?? '';
            s.received.push({ id, to, text: data });
            data = null;
            sock.write(`250 2.0.0 Ok: queued as ${s.received.length}\r\n`);
          } else data += `${line.startsWith('..') ? line.slice(1) : line}\n`;
          continue;
        }
        const cmd = line.slice(0, 4).toUpperCase();
        if (cmd === 'EHLO' || cmd === 'HELO') sock.write('250-standin\r\n250 8BITMIME\r\n');
        else if (cmd === 'MAIL') sock.write('250 2.1.0 Ok\r\n');
        else if (cmd === 'RCPT') (to = /<(.*)>/.exec(line)?.[1] ?? ''), sock.write('250 2.1.5 Ok\r\n');
        else if (cmd === 'DATA') (data = ''), sock.write('354 End data with <CR><LF>.<CR><LF>\r\n');
        else if (cmd === 'QUIT') sock.end('221 2.0.0 Bye\r\n');
        else if (cmd === 'RSET' || cmd === 'NOOP') sock.write('250 2.0.0 Ok\r\n');
        else sock.write('502 5.5.2 Error: command not recognized\r\n');
      }
    });
    sock.on('error', () => {});
  });
  s.port = await listen(server);
  s.url = `smtp://127.0.0.1:${s.port}`;
  s.close = () => new Promise<void>((r) => server.close(() => r()));
  return s;
}
