import nodemailer from 'nodemailer';
import type { Outgoing, Provider, SendOutcome } from './provider.ts';

// E-mail over the tenant's SMTP server (nodemailer). The message carries a Message-ID made from
// our message id, so a receiving side can tell a resend; SMTP itself has no lookup, so a message a
// crash left half-sent is not sent again.

export interface SmtpSettings {
  host: string;
  port: number;
  secure: boolean;
  user?: string;
  token?: string;
  from: string;
}

const PERMANENT = /^5\d\d/;

export class EmailProvider implements Provider {
  readonly name = 'smtp';
  readonly channel = 'email' as const;
  private readonly transport: nodemailer.Transporter;
  constructor(private readonly s: SmtpSettings) {
    this.transport = nodemailer.createTransport({
      host: s.host,
      port: s.port,
      secure: s.secure,
      ...(s.user ? { auth: { user: s.user, pass: s.token ?? '' } } : {}),
      connectionTimeout: 10_000,
      socketTimeout: 10_000,
      tls: { rejectUnauthorized: s.host !== '127.0.0.1' },
    });
  }

  async send(m: Outgoing): Promise<SendOutcome> {
    try {
      const info = await this.transport.sendMail({
        from: this.s.from,
        to: m.address,
        subject: m.subject ?? '',
        text: m.body,
        messageId: `<kopilka-${m.seq}@${this.s.from.replace(/^.*@/, '').replace(/>$/, '')}>`,
      });
      return { outcome: 'accepted', providerId: info.messageId, cost: 0 };
    } catch (e) {
      const err = e as { code?: string; responseCode?: number; response?: string; message: string };
      if (err.code === 'ECONNECTION' || err.code === 'EDNS') return { outcome: 'unavailable', reason: err.message };
      if (err.responseCode !== undefined && PERMANENT.test(String(err.responseCode))) return { outcome: 'refused', reason: err.response ?? err.message };
      if (err.responseCode !== undefined) return { outcome: 'unavailable', reason: err.response ?? err.message };
      return { outcome: 'ambiguous', reason: err.message };
    }
  }
}
