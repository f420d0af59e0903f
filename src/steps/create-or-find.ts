import { ApiError } from '../clients/api-error.ts';
import { NetworkError } from '../http/network-error.ts';

export interface LookAgain {
  sleep: (ms: number) => Promise<void>;
  /** Waits before each extra look: reads of a just-created object may lag behind (Entra). */
  delaysMs: number[];
}

/**
 * Creates something, surviving a lost answer: when the create call fails in a way that may have
 * happened on the server anyway (a dropped connection, a 5xx), look before trying again, so a
 * retry never makes a duplicate.
 */
export async function createOrFind<T>(
  create: () => Promise<T>,
  find: () => Promise<T | undefined>,
  lookAgain?: LookAgain,
  attempts = 3,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await create();
    } catch (error) {
      if (!mayHaveHappened(error) || attempt >= attempts) throw error;
      const existing = await findPatiently(find, lookAgain);
      if (existing) return existing;
    }
  }
}

async function findPatiently<T>(find: () => Promise<T | undefined>, lookAgain: LookAgain | undefined): Promise<T | undefined> {
  const existing = await find();
  if (existing || !lookAgain) return existing;
  for (const delay of lookAgain.delaysMs) {
    await lookAgain.sleep(delay);
    const found = await find();
    if (found) return found;
  }
  return undefined;
}

export function mayHaveHappened(error: unknown): boolean {
  if (error instanceof NetworkError) return error.transient;
  return error instanceof ApiError && error.status >= 500;
}
