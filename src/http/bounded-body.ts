import { DynauthError } from '../cli/errors.ts';

/**
 * The largest answer dynauth reads. No call it makes is answered with more than a few MB (the
 * longest, RetrieveUserPrivileges of a System Administrator in a large org, is unpaged and runs to
 * about 3 MB); anything past this is a proxy or a broken cloud, and reading it whole would hold it
 * all in memory (a 200 MB answer took 1.5 GB: issue 14).
 */
export const MAX_RESPONSE_BYTES = 8 * 1024 * 1024;

export class ResponseTooLargeError extends DynauthError {
  constructor(service: string, what: string, limitBytes: number) {
    super(`${service} answered ${what} with more than ${formatBytes(limitBytes)}; dynauth stopped reading it.`, {
      hint: "No Microsoft API answers this much: a proxy or a misconfigured --cloud-config may be answering in the service's place. Run again with --verbose to see the request.",
      code: 'response-too-large',
    });
    this.name = 'ResponseTooLargeError';
  }
}

const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/**
 * Reads the whole body, at most `limitBytes` of it (decoded), and returns the same answer with the
 * body held in memory. A declared length past the limit is refused before any of it is read.
 */
export async function readBounded(response: Response, limitBytes: number, tooLarge: () => ResponseTooLargeError): Promise<Response> {
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (declared > limitBytes) {
    await response.body?.cancel().catch(() => {});
    throw tooLarge();
  }
  if (!response.body) return response;
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limitBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(value);
  }
  const body = NULL_BODY_STATUSES.has(response.status) ? null : Buffer.concat(chunks);
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${Math.round(bytes / (1024 * 1024))} MB` : `${Math.round(bytes / 1024)} KB`;
}
