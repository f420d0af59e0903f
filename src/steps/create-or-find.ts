import { ApiError } from '../clients/api-error.ts';
import { NetworkError } from '../http/network-error.ts';

/**
 * Creates something, surviving a lost answer: when the create call fails in a way that may have
 * happened on the server anyway (a dropped connection, a 5xx), look before trying again, so a
 * retry never makes a duplicate.
 */
export async function createOrFind<T>(create: () => Promise<T>, find: () => Promise<T | undefined>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await create();
    } catch (error) {
      if (!mayHaveHappened(error) || attempt >= attempts) throw error;
      const existing = await find();
      if (existing) return existing;
    }
  }
}

export function mayHaveHappened(error: unknown): boolean {
  if (error instanceof NetworkError) return error.transient;
  return error instanceof ApiError && error.status >= 500;
}
