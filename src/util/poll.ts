import type { Clock } from '../io/clock.ts';
import { DynauthError } from '../cli/errors.ts';
import { formatDuration } from './duration.ts';

export interface PollOptions {
  clock: Clock;
  signal: AbortSignal;
  /** Total time allowed, from --wait. */
  timeoutMs: number;
  /** What is being waited for, in the user's words ("Entra to publish the new app"). */
  waitingFor: string;
  /** How to resume if the wait runs out. */
  resumeHint: string;
  onWait?: (message: string) => void;
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** How long attempts stay `initialDelayMs` apart before the delay starts to grow. */
  steadyForMs?: number;
}

/** How long and how patiently to wait, set once by a command; each wait adds what it waits for. */
export type PollWaiting = Omit<PollOptions, 'waitingFor'>;

/** The answer of one attempt: done with a value, or not yet (replication still under way). */
export type Attempt<T> = { done: true; value: T } | { done: false; reason: string };

/**
 * Waits out Entra or Dataverse replication by retrying until the attempt succeeds or the time
 * allowed runs out; never a fixed sleep. Replication usually takes seconds, and every moment
 * between an object becoming visible and the next attempt is added to the user's wait, so attempts
 * are close together at first (250 ms: a few requests a second, far below Graph's and Dataverse's
 * limits); a wait that lasts grows them gently to 5 s.
 */
export async function pollUntil<T>(attempt: () => Promise<Attempt<T>>, options: PollOptions): Promise<T> {
  const started = options.clock.now().getTime();
  const maxDelay = options.maxDelayMs ?? 5_000;
  const steadyFor = options.steadyForMs ?? 10_000;
  let delay = options.initialDelayMs ?? 250;
  let announced = false;
  for (;;) {
    const result = await attempt();
    if (result.done) return result.value;
    const elapsed = options.clock.now().getTime() - started;
    if (elapsed >= options.timeoutMs) {
      throw new DynauthError(`Timed out after ${formatDuration(elapsed)} waiting for ${options.waitingFor} (${result.reason}).`, {
        hint: options.resumeHint,
        code: 'replication-timeout',
      });
    }
    if (!announced) options.onWait?.(`Waiting for ${options.waitingFor} (${result.reason})…`);
    announced = true;
    const wait = Math.min(Math.round(delay), maxDelay, options.timeoutMs - elapsed);
    await options.clock.sleep(wait, options.signal);
    // Gentle growth: a replication that ends just after an attempt is not overshot by much.
    if (elapsed + wait >= steadyFor) delay = Math.min(delay * 1.5, maxDelay);
  }
}
