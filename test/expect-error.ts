import { expect } from 'vitest';
import { KopilkaError } from '../ledger/index.ts';

/** Awaits a ledger call that must fail with this code; returns the error for further checks. */
export async function expectError(p: Promise<unknown>, code: string): Promise<KopilkaError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(KopilkaError);
    expect((e as KopilkaError).code).toBe(code);
    return e as KopilkaError;
  }
  throw new Error(`expected ${code}, but it succeeded`);
}
