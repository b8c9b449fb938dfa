// The pages' one way to the server: JSON under /web/api with the session cookie (sent by the
// browser, HttpOnly) and the header that marks a request as ours (CSRF, web/session.ts).

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The field the server named (a program path like `levels.0.threshold`). */
    readonly field: string | null,
  ) {
    super(message);
  }

  /** What to write under the field: the server's reason without the preamble naming the field. */
  get fieldMessage(): string {
    const i = this.message.indexOf(' — ');
    return i >= 0 ? this.message.slice(i + 3) : this.message;
  }
}

export async function api<T>(method: string, path: string, body?: unknown, key?: string): Promise<T> {
  const headers: Record<string, string> = { 'x-kopilka-web': '1' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (key !== undefined) headers.authorization = `Bearer ${key}`;
  const res = await fetch(`/web/api${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
  const text = await res.text();
  let data: any = null;
  try {
    data = text === '' ? null : JSON.parse(text);
  } catch {
    throw new ApiError(res.status, 'INTERNAL', `Сервер ответил не JSON (${res.status})`, null);
  }
  if (!res.ok) {
    const e = data?.error ?? {};
    throw new ApiError(res.status, e.code ?? 'INTERNAL', e.message ?? `Ошибка ${res.status}`, e.details?.field ?? null);
  }
  return data as T;
}

/** A fresh id for a sale or a grant: the same on a retry, so the server records it once. */
export function newId(): string {
  const b = new Uint8Array(12);
  crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}
