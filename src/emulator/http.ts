// Request/response plumbing shared by every service.
import type { IncomingMessage } from 'node:http';
import type { TokenSummary } from './types.ts';

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  /** Objects are sent as JSON; strings as given; undefined sends no body. */
  body?: unknown;
}

export interface RequestContext {
  method: string;
  /** Decoded path without the query string. */
  path: string;
  /** The raw path as sent (percent-encoding kept), for routes that must parse OData keys. */
  rawPath: string;
  query: Record<string, string>;
  headers: IncomingMessage['headers'];
  /** Parsed JSON, parsed form (Record<string,string>), raw text, or undefined when empty. */
  body: unknown;
  origin: string;
  requestId: string;
  /** Set by the route once it has validated a bearer token, so the recorder can show it. */
  token?: TokenSummary;
}

/** Thrown by route code to answer immediately with a prepared error reply. */
export class ReplyError extends Error {
  readonly reply: Reply;
  constructor(reply: Reply) {
    super(`HTTP ${reply.status}`);
    this.reply = reply;
  }
}

const MAX_BODY_BYTES = 1_048_576;

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES)
      throw new ReplyError({ status: 413, body: { error: { code: 'RequestEntityTooLarge', message: 'Request body too large.' } } });
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function parseBody(text: string, contentType: string | undefined): unknown {
  if (text === '') return undefined;
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/x-www-form-urlencoded') return Object.fromEntries(new URLSearchParams(text));
  if (type === 'application/json' || type.endsWith('+json') || type === '') {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return type === '' ? text : { __invalidJson: true };
    }
  }
  return text;
}

export function isInvalidJson(body: unknown): boolean {
  return typeof body === 'object' && body !== null && '__invalidJson' in body;
}

export function bearerToken(headers: IncomingMessage['headers']): string | undefined {
  const value = headers.authorization;
  if (!value) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(value.trim());
  return match?.[1];
}

export function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

export function stringField(body: unknown, name: string): string | undefined {
  const value = asRecord(body)[name];
  return typeof value === 'string' ? value : undefined;
}
