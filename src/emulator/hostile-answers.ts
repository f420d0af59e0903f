// What a TLS-inspecting proxy or a misconfigured private cloud answers in the services' place
// (issue 14, "A hostile or broken cloud answer"): a body of any size, next-page links that never
// end, another tenant's /organization, a Power Platform instanceUrl outside the cloud's Dataverse.
import type { ServerResponse } from 'node:http';
import type { FaultRule, HugeBody, Tamper } from './fault-rules.ts';
import type { Reply, RequestContext } from './http.ts';
import type { ServiceName } from './types.ts';

export const OTHER_TENANT = { id: '0badf00d-0000-4000-8000-0000000000ff', displayName: 'Fabrikam Ltd', domain: 'fabrikam.onmicrosoft.com' };

const CHUNK = 64 * 1024;

/** The part of a BAP environment that carries its Dataverse URLs. */
interface EnvironmentAnswer {
  properties?: { linkedEnvironmentMetadata?: { instanceUrl?: string; instanceApiUrl?: string; uniqueName?: string } };
}

/**
 * Streams a JSON body of `bytes` bytes (an error with that long a message for a 4xx/5xx, else a list
 * whose one row has that long a name), as fast as the client reads it and no further.
 */
export async function sendHugeBody(res: ServerResponse, body: HugeBody): Promise<void> {
  const [head, tail] =
    body.status >= 400
      ? ['{"error":{"code":"HugeAnswer","message":"', '"}}']
      : ['{"value":[{"id":"00000000-0000-4000-8000-000000000000","displayName":"', '"}]}'];
  const filler = Math.max(0, body.bytes - head.length - tail.length);
  res.writeHead(body.status, {
    'content-type': 'application/json; charset=utf-8',
    ...(body.declareLength ? { 'content-length': String(head.length + filler + tail.length) } : {}),
  });
  const chunk = Buffer.alloc(CHUNK, 'A');
  const write = async (data: Buffer | string): Promise<boolean> => {
    if (res.destroyed) return false;
    if (!res.write(data)) await drainedOrClosed(res);
    return !res.destroyed;
  };
  if (!(await write(head))) return;
  for (let left = filler; left > 0; left -= CHUNK) {
    if (!(await write(left >= CHUNK ? chunk : chunk.subarray(0, left)))) return;
  }
  res.end(tail);
}

function drainedOrClosed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/** The route's answer, changed as the tamper says; answers it does not apply to pass unchanged. */
export function tamperReply(reply: Reply, tamper: Tamper, req: RequestContext, service: ServiceName): Reply {
  if (reply.status >= 300 || typeof reply.body !== 'object' || reply.body === null) return reply;
  const body = structuredClone(reply.body) as Record<string, unknown>;
  switch (tamper.kind) {
    case 'next-link': {
      if (!Array.isArray(body.value)) return reply;
      body[service === 'bap' ? 'nextLink' : '@odata.nextLink'] = nextLink(tamper.to, req);
      break;
    }
    case 'other-tenant': {
      const organization = Array.isArray(body.value) ? (body.value[0] as Record<string, unknown> | undefined) : undefined;
      if (!organization || !('verifiedDomains' in organization)) return reply;
      organization.id = OTHER_TENANT.id;
      organization.displayName = OTHER_TENANT.displayName;
      organization.verifiedDomains = [
        { capabilities: 'Email, OfficeCommunicationsOnline', isDefault: true, isInitial: true, name: OTHER_TENANT.domain, type: 'Managed' },
      ];
      break;
    }
    case 'instance-url': {
      const environments = Array.isArray(body.value) ? (body.value as EnvironmentAnswer[]) : [body as EnvironmentAnswer];
      for (const environment of environments) {
        const linked = environment.properties?.linkedEnvironmentMetadata;
        if (!linked?.instanceUrl || (tamper.environment && linked.uniqueName !== tamper.environment)) continue;
        linked.instanceUrl = tamper.url;
        linked.instanceApiUrl = `${tamper.url.replace(/\/+$/, '')}/api/data/v9.2`;
      }
      break;
    }
  }
  return { ...reply, body };
}

function nextLink(to: string, req: RequestContext): string {
  const query = new URLSearchParams(req.query);
  if (to === 'endless') {
    const page = Number(/^endless-(\d+)$/.exec(req.query.$skiptoken ?? '')?.[1] ?? 0);
    query.set('$skiptoken', `endless-${page + 1}`);
  } else if (to !== 'self') {
    return to;
  }
  return `${req.origin}${req.rawPath}?${query.toString()}`;
}

export const HOSTILE_EFFECT = /^(body=|next-link=|other-tenant$|off-cloud-instance(=|$))/;

/** The effects of a proxy or broken cloud (hostile-answers.ts); each applies to every matching request. */
export function hostileEffect(part: string, spec: string): Extract<FaultRule, { kind: 'huge-body' | 'tamper' }> {
  const body = /^body=(\d+)(b|kb|mb)?(?:@(\d{3}))?$/i.exec(part);
  if (body) {
    const unit = (body[2] ?? 'b').toLowerCase();
    return {
      kind: 'huge-body',
      bytes: Number(body[1]) * (unit === 'mb' ? 1024 * 1024 : unit === 'kb' ? 1024 : 1),
      status: Number(body[3] ?? 200),
    };
  }
  const next = /^next-link=(self|endless)$/.exec(part);
  if (next) return { kind: 'tamper', tamper: { kind: 'next-link', to: next[1]! } };
  if (part === 'other-tenant') return { kind: 'tamper', tamper: { kind: 'other-tenant' } };
  const offCloud = /^off-cloud-instance(?:=([a-z0-9.-]+))?$/i.exec(part);
  if (offCloud) return { kind: 'tamper', tamper: { kind: 'instance-url', url: `https://${offCloud[1] ?? 'evil.example.net'}/` } };
  throw new Error(
    `fault "${spec}": cannot read "${part}" (body=<size>[kb|mb][@<status>], next-link=self|endless, other-tenant, off-cloud-instance[=<host>])`,
  );
}
