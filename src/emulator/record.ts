import type { RecordedRequest } from './types.ts';

/** Fields that carry credentials: recorded as "[redacted]" so a printed request log never leaks them. */
const SENSITIVE_FIELDS = new Set([
  'client_secret',
  'client_assertion',
  'code',
  'code_verifier',
  'device_code',
  'refresh_token',
  'password',
  'secretText',
  'assertion',
]);

export function redact(body: unknown): unknown {
  if (Array.isArray(body)) return body.map(redact);
  if (typeof body !== 'object' || body === null) return body;
  return Object.fromEntries(Object.entries(body).map(([key, value]) => [key, SENSITIVE_FIELDS.has(key) ? '[redacted]' : redact(value)]));
}

/** Key Vault carries the secret (or the certificate's PEM with its key) in `value`, a certificate's password in `pwd`. */
export function redactKeyVault(body: unknown): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return redact(body);
  return redact(
    Object.fromEntries(Object.entries(body).map(([key, value]) => [key, key === 'value' || key === 'pwd' ? '[redacted]' : value])),
  );
}

export function redactQuery(query: Record<string, string>): Record<string, string> {
  return redact(query) as Record<string, string>;
}

export interface Recorder {
  requests: RecordedRequest[];
  add(entry: RecordedRequest): void;
}

export function createRecorder(): Recorder {
  const requests: RecordedRequest[] = [];
  return {
    requests,
    add(entry) {
      requests.push(entry);
    },
  };
}
