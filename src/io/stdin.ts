// Reading one value (a secret, a connection string) piped to stdin, within bounds: /dev/zero or
// /dev/urandom would otherwise be read forever, and a pipe its writer never closes waited on forever.
import type { Readable } from 'node:stream';

/** A client secret is 40 characters, a connection string a few hundred; far more is not one. */
export const MAX_STDIN_BYTES = 64 * 1024;

export type StdinValue = { text: string } | { problem: 'too-large' | 'not-ended' };

/** Everything piped in, or why not: more than `maxBytes`, or no end of input within `timeoutMs`. */
export function readStdinValue(stdin: Readable, options: { timeoutMs: number; maxBytes?: number }): Promise<StdinValue> {
  const maxBytes = options.maxBytes ?? MAX_STDIN_BYTES;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const settle = (outcome: () => void, stop: boolean) => {
      clearTimeout(timer);
      stdin.off('data', onData);
      stdin.off('end', onEnd);
      stdin.off('error', onError);
      // What was read of an oversized or endless input is not needed; stop reading it.
      if (stop) stdin.destroy();
      outcome();
    };
    const onData = (chunk: Buffer | string) => {
      const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
      size += bytes.length;
      if (size > maxBytes) settle(() => resolve({ problem: 'too-large' }), true);
      else chunks.push(bytes);
    };
    const onEnd = () => settle(() => resolve({ text: Buffer.concat(chunks).toString('utf8') }), false);
    const onError = (error: Error) => settle(() => reject(error), false);
    const timer = setTimeout(() => settle(() => resolve({ problem: 'not-ended' }), true), options.timeoutMs);
    stdin.on('data', onData);
    stdin.once('end', onEnd);
    stdin.once('error', onError);
  });
}
