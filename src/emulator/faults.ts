// Fault injection: per-route latency, throttling (429 + Retry-After), outages (503), dropped
// connections, and replication lag, plus the one-string syntax the sandbox's --fault flag uses.
import type { FaultAction, FaultDecision, FaultRequest, FaultRule, FaultTarget } from './fault-rules.ts';
import { HOSTILE_EFFECT, hostileEffect } from './hostile-answers.ts';
import type { ReplicationLag, ServiceName } from './types.ts';

type RoutedRule = Exclude<FaultRule, { kind: 'replication-lag' }>;

export interface FaultStore {
  add(rule: FaultRule): void;
  clear(): void;
  decide(request: FaultRequest): FaultDecision;
}

export function createFaultStore(onReplicationLag: (lag: ReplicationLag) => void): FaultStore {
  let rules: Array<{ rule: RoutedRule; remaining: number }> = [];
  return {
    add(rule) {
      validateRule(rule);
      if (rule.kind === 'replication-lag') {
        onReplicationLag(rule.lag);
        return;
      }
      const times = rule.kind === 'latency' || rule.kind === 'huge-body' || rule.kind === 'tamper' ? (rule.times ?? Infinity) : rule.times;
      rules.push({ rule: { ...rule }, remaining: times });
    },
    clear() {
      rules = [];
    },
    decide(request) {
      let latencyMs = 0;
      let action: FaultAction | undefined;
      for (const entry of rules) {
        if (entry.remaining <= 0 || !matches(entry.rule, request)) continue;
        const { rule } = entry;
        if (rule.kind === 'latency') {
          latencyMs += rule.ms;
          entry.remaining--;
        } else if (!action) {
          entry.remaining--;
          action = actionOf(rule);
        }
      }
      rules = rules.filter((entry) => entry.remaining > 0);
      return action ? { latencyMs, action } : { latencyMs };
    },
  };
}

function actionOf(rule: Exclude<RoutedRule, { kind: 'latency' }>): FaultAction {
  switch (rule.kind) {
    case 'throttle':
      return { kind: 'throttle', retryAfterSeconds: rule.retryAfterSeconds };
    case 'unavailable':
      return { kind: 'unavailable', ...(rule.retryAfterSeconds !== undefined ? { retryAfterSeconds: rule.retryAfterSeconds } : {}) };
    case 'drop':
      return { kind: 'drop' };
    case 'huge-body':
      return { kind: 'huge-body', bytes: rule.bytes, status: rule.status, ...(rule.declareLength ? { declareLength: true } : {}) };
    case 'tamper':
      return { kind: 'tamper', tamper: rule.tamper };
  }
}

function matches(rule: FaultTarget, request: FaultRequest): boolean {
  if (rule.service && rule.service !== request.service) return false;
  if (rule.environment && rule.environment.toLowerCase() !== request.environment?.toLowerCase()) return false;
  if (rule.method && rule.method.toUpperCase() !== request.method.toUpperCase()) return false;
  if (rule.pathPrefix && !request.path.toLowerCase().startsWith(rule.pathPrefix.toLowerCase())) return false;
  return true;
}

function validateRule(rule: FaultRule): void {
  const count = (n: number | undefined, what: string): void => {
    if (n !== undefined && !(Number.isInteger(n) && n > 0) && n !== Infinity)
      throw new Error(`fault: ${what} must be a positive whole number`);
  };
  switch (rule.kind) {
    case 'latency':
      if (!(rule.ms >= 0)) throw new Error('fault: latency must be zero or more milliseconds');
      count(rule.times, 'times');
      return;
    case 'throttle':
      count(rule.times, 'times');
      if (!(Number.isInteger(rule.retryAfterSeconds) && rule.retryAfterSeconds >= 0))
        throw new Error('fault: retry-after must be whole seconds');
      return;
    case 'unavailable':
    case 'drop':
    case 'tamper':
      count(rule.times, 'times');
      return;
    case 'huge-body':
      count(rule.times, 'times');
      if (!(Number.isInteger(rule.bytes) && rule.bytes >= 0)) throw new Error('fault: body size must be whole bytes');
      if (!(Number.isInteger(rule.status) && rule.status >= 200 && rule.status <= 599))
        throw new Error('fault: body status must be 200 to 599');
      return;
    case 'replication-lag':
      for (const value of Object.values(rule.lag)) {
        if (value !== undefined && !(value >= 0)) throw new Error('fault: lag must be zero or more milliseconds');
      }
      return;
    default:
      throw new Error('fault: unknown kind');
  }
}

const SERVICES: readonly string[] = ['login', 'graph', 'bap', 'dataverse', 'github', 'keyvault'];

/**
 * Parses the sandbox's `--fault` syntax: parts separated by colons or spaces.
 *
 *   <service>[@<environment>][:<METHOD>][:<path prefix>]:<effect>[:retry-after=<seconds>]
 *   lag:app=<duration>[,sp=<duration>][,secret=<duration>][,cert=<duration>][,appuser=<duration>][,fic=<duration>]
 *
 * service: login | graph | bap | dataverse | github | keyvault | * (every service); @environment is a Dataverse uniqueName.
 * effect:  429[xN] throttle N requests (default 1) with Retry-After (default 1 s)
 *          503[xN] answer 503 Service Unavailable N times
 *          drop[xN] destroy the socket without answering, N times
 *          latency=<duration>[xN] delay every matching request (or only the next N)
 *          body=<size>[kb|mb][@<status>]  answer every matching request with a body that size (chunked)
 *          next-link=self|endless  add a next-page link to itself, or to a new page every time
 *          other-tenant            /organization answers for another tenant (Fabrikam)
 *          off-cloud-instance[=<host>]  Power Platform gives every Dataverse environment https://<host>/ (evil.example.net)
 * duration: 250 (milliseconds), 250ms, 2s, 1m.
 *
 * Examples:
 *   graph:429x3                                    three throttled Graph calls, Retry-After: 1
 *   graph POST /v1.0/applications 429x2            the same syntax with spaces
 *   graph:POST:/v1.0/servicePrincipals:503x2:retry-after=10
 *   dataverse@contosodev:GET:/api/data/v9.2/WhoAmI:429:retry-after=2
 *   login:dropx1                                   the next token request's connection is dropped
 *   *:latency=300ms                                every request 300 ms slower
 *   graph GET /v1.0/organization body=200mb        a 200 MB answer, as a broken proxy might send
 *   lag:app=30s,sp=30s,secret=10s,cert=10s,appuser=20s
 *                                                  the longest replication delay of new apps, service principals,
 *                                                  secrets, certificates, app users (each draws its own, max/2 to max)
 */
export function parseFaultSpec(spec: string): FaultRule {
  const parts = spec
    .trim()
    .split(/[\s:]+/)
    .filter(Boolean);
  const head = parts.shift() ?? '';
  if (head === 'lag') return { kind: 'replication-lag', lag: parseLag(parts.join(','), spec) };
  const [serviceName = '', environment] = head.split('@');
  if (serviceName !== '*' && !SERVICES.includes(serviceName)) {
    throw new Error(`fault "${spec}": unknown service "${serviceName}" (login, graph, bap, dataverse, github, keyvault, * or lag)`);
  }
  if (environment !== undefined && serviceName !== 'dataverse') throw new Error(`fault "${spec}": @environment applies to dataverse only`);
  const target: FaultTarget = {};
  if (serviceName !== '*') target.service = serviceName as ServiceName;
  if (environment) target.environment = environment;
  let effect: string | undefined;
  let retryAfterSeconds: number | undefined;
  for (const part of parts) {
    if (effect === undefined && /^[A-Z]+$/.test(part) && !target.method && !target.pathPrefix) target.method = part;
    else if (effect === undefined && part.startsWith('/') && !target.pathPrefix) target.pathPrefix = part;
    else if (effect === undefined && /^(429|503|drop|latency=[^x]+)(x\d+)?$/.test(part)) effect = part;
    else if (effect === undefined && HOSTILE_EFFECT.test(part) && part === parts.at(-1)) return { ...target, ...hostileEffect(part, spec) };
    else if (effect !== undefined && /^retry-after=\d+$/.test(part)) retryAfterSeconds = Number(part.slice('retry-after='.length));
    else throw new Error(`fault "${spec}": cannot read "${part}"`);
  }
  if (effect === undefined) throw new Error(`fault "${spec}": missing effect (429, 503, drop or latency=…)`);
  const [, name = '', countText] = /^(.+?)(?:x(\d+))?$/.exec(effect) ?? [];
  const times = countText === undefined ? undefined : Number(countText);
  if (times === 0) throw new Error(`fault "${spec}": count must be at least 1`);
  let rule: FaultRule;
  if (name === '429') rule = { ...target, kind: 'throttle', times: times ?? 1, retryAfterSeconds: retryAfterSeconds ?? 1 };
  else if (name === '503')
    rule = { ...target, kind: 'unavailable', times: times ?? 1, ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}) };
  else if (name === 'drop') rule = { ...target, kind: 'drop', times: times ?? 1 };
  else
    rule = {
      ...target,
      kind: 'latency',
      ms: parseDuration(name.slice('latency='.length), spec),
      ...(times !== undefined ? { times } : {}),
    };
  if (retryAfterSeconds !== undefined && rule.kind !== 'throttle' && rule.kind !== 'unavailable') {
    throw new Error(`fault "${spec}": retry-after applies to 429 and 503 only`);
  }
  return rule;
}

function parseLag(text: string, spec: string): ReplicationLag {
  const lag: ReplicationLag = {};
  const keys: Record<string, keyof ReplicationLag> = {
    app: 'appMs',
    sp: 'servicePrincipalMs',
    secret: 'secretMs',
    cert: 'certificateMs',
    appuser: 'appUserMs',
    fic: 'federatedCredentialMs',
  };
  for (const item of text.split(',')) {
    const [key = '', value = ''] = item.split('=');
    const field = keys[key.toLowerCase()];
    if (!field || !value) throw new Error(`fault "${spec}": expected lag:app=30s,sp=30s,secret=10s,cert=10s,appuser=20s`);
    lag[field] = parseDuration(value, spec);
  }
  return lag;
}

function parseDuration(text: string, spec: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text);
  if (!match) throw new Error(`fault "${spec}": bad duration "${text}" (e.g. 250, 250ms, 2s, 1m)`);
  const value = Number(match[1]);
  const unit = match[2] ?? 'ms';
  return Math.round(unit === 'm' ? value * 60_000 : unit === 's' ? value * 1000 : value);
}
