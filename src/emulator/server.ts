// One HTTPS listener per emulated service (and per Dataverse environment), all sharing one state.
// Each request: parse → fault rules and latency → route → reply → record.
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { newGuid } from './ids.ts';
import { ReplyError, parseBody, readBody, type Reply, type RequestContext } from './http.ts';
import type { FaultStore } from './faults.ts';
import { faultReply } from './fault-replies.ts';
import { sendHugeBody, tamperReply } from './hostile-answers.ts';
import { redact, redactKeyVault, redactQuery, type Recorder } from './record.ts';
import type { EmulatorTls } from './tls.ts';
import type { ServiceName } from './types.ts';

export interface ListenerSpec {
  service: ServiceName;
  /** Dataverse listeners: the environment's uniqueName. */
  environment?: string;
  route: (req: RequestContext) => Promise<Reply> | Reply;
}

export interface Pipeline {
  faults: FaultStore;
  recorder: Recorder;
  latencyMs: () => number;
}

export interface Listener {
  server: Server;
  origin: string;
}

export async function startListener(tls: EmulatorTls, spec: ListenerSpec, pipeline: Pipeline): Promise<Listener> {
  let origin = '';
  const server = createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
    handle(req, res, origin, spec, pipeline).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { server, origin };
}

export async function stopListener(listener: Listener): Promise<void> {
  listener.server.closeAllConnections();
  await new Promise<void>((resolve) => listener.server.close(() => resolve()));
}

async function handle(req: IncomingMessage, res: ServerResponse, origin: string, spec: ListenerSpec, pipeline: Pipeline): Promise<void> {
  const at = Date.now();
  const url = new URL(req.url ?? '/', origin);
  const method = (req.method ?? 'GET').toUpperCase();
  let path: string;
  try {
    path = decodeURIComponent(url.pathname);
  } catch {
    path = url.pathname;
  }
  const query = Object.fromEntries(url.searchParams);
  const context: RequestContext = {
    method,
    path,
    rawPath: url.pathname,
    query,
    headers: req.headers,
    body: undefined,
    origin,
    requestId: newGuid(),
  };
  const record = (status: number): void => {
    pipeline.recorder.add({
      service: spec.service,
      ...(spec.environment !== undefined ? { environment: spec.environment } : {}),
      method,
      path,
      query: redactQuery(query),
      body: spec.service === 'keyvault' ? redactKeyVault(context.body) : redact(context.body),
      ...(context.token ? { token: context.token } : {}),
      status,
      at,
      answeredAt: Date.now(),
    });
  };

  let reply: Reply;
  try {
    context.body = parseBody(await readBody(req), req.headers['content-type']);
    const decision = pipeline.faults.decide({
      service: spec.service,
      ...(spec.environment ? { environment: spec.environment } : {}),
      method,
      path,
    });
    const delay = pipeline.latencyMs() + decision.latencyMs;
    if (delay > 0) await sleep(delay);
    const action = decision.action;
    if (action?.kind === 'drop') {
      record(0);
      req.socket.destroy();
      return;
    }
    if (action?.kind === 'huge-body') {
      record(action.status);
      await sendHugeBody(res, action);
      return;
    }
    reply = action?.kind === 'throttle' || action?.kind === 'unavailable' ? faultReply(spec.service, action) : await spec.route(context);
    if (action?.kind === 'tamper') reply = tamperReply(reply, action.tamper, context, spec.service);
  } catch (error) {
    if (!(error instanceof ReplyError)) throw error;
    reply = error.reply;
  }
  send(res, reply);
  record(reply.status);
}

function send(res: ServerResponse, reply: Reply): void {
  const headers: Record<string, string> = { 'cache-control': 'no-store', ...reply.headers };
  let payload: string | undefined;
  if (typeof reply.body === 'string') payload = reply.body;
  else if (reply.body !== undefined) {
    payload = JSON.stringify(reply.body);
    headers['content-type'] ??= 'application/json; charset=utf-8';
  }
  if (payload !== undefined) headers['content-length'] = String(Buffer.byteLength(payload));
  else if (reply.status !== 204 && reply.status !== 304) headers['content-length'] = '0';
  res.writeHead(reply.status, headers);
  res.end(payload);
}
