import { DynauthError, type ExitCodeValue } from '../cli/errors.ts';
import { quoteServerText } from '../http/server-text.ts';

export type Service = 'graph' | 'power-platform' | 'dataverse';

/** A non-success HTTP answer from a Microsoft API, with its service code and request id. */
export class ApiError extends DynauthError {
  readonly service: Service;
  readonly status: number;
  readonly remoteCode: string;
  readonly requestId: string | undefined;
  readonly remoteMessage: string;

  constructor(init: {
    service: Service;
    status: number;
    remoteCode: string;
    message: string;
    remoteMessage?: string;
    requestId?: string;
    hint?: string;
    exitCode?: ExitCodeValue;
  }) {
    super(init.message, { hint: init.hint, exitCode: init.exitCode, code: `${init.service}-${init.remoteCode || init.status}` });
    this.name = 'ApiError';
    this.service = init.service;
    this.status = init.status;
    this.remoteCode = init.remoteCode;
    this.requestId = init.requestId;
    this.remoteMessage = init.remoteMessage ?? '';
  }
}

/** Reads `{"error":{"code","message"}}`, the shape Graph, BAP and Dataverse share; either is cut to a quotable length. */
export async function readErrorBody(response: Response): Promise<{ code: string; message: string }> {
  const text = await response.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    return {
      code: quoteServerText(String(body.error?.code ?? ''), CODE_LIMIT),
      message: quoteServerText(String(body.error?.message ?? '')),
    };
  } catch {
    return { code: '', message: quoteServerText(text, 200) };
  }
}

/** Service codes are short ("0x80040220", "Request_ResourceNotFound"). */
export const CODE_LIMIT = 100;
