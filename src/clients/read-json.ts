import { DynauthError } from '../cli/errors.ts';
import { quoteServerText } from '../http/server-text.ts';

/** An answer that is not what the service sends: said plainly instead of crashing on it later. */
export function unexpectedAnswer(service: string, operation: string, what: string): DynauthError {
  return new DynauthError(`${service} answered ${operation} with ${what}.`, {
    hint: "A proxy or a misconfigured --cloud-config may be answering in the service's place. Run again with --verbose to see the request.",
    code: 'unexpected-answer',
  });
}

/** The body as a JSON object (the answers dynauth reads are all objects). */
export async function readJson<T>(response: Response, service: string, operation: string): Promise<T> {
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw unexpectedAnswer(service, operation, `something that is not JSON ("${quoteServerText(text, 100)}")`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw unexpectedAnswer(service, operation, 'JSON that is not an object');
  return body as T;
}
