import tls from 'node:tls';
import type { TestContext } from 'node:test';
import { startEmulator, type Emulator, type EmulatorOptions, type ReplicationLag } from '../../src/emulator/index.ts';
import type { AccessTokenClaims } from '../../src/emulator/tokens.ts';

const trusted = new Set<string>();

/** Replication lag off, for tests about something else (replication.test.ts covers the lag itself). */
export const NO_REPLICATION_LAG: ReplicationLag = {
  appMs: 0,
  servicePrincipalMs: 0,
  secretMs: 0,
  certificateMs: 0,
  appUserMs: 0,
  federatedCredentialMs: 0,
};

/** Starts an emulator for one test, trusts its CA in this process, and closes it afterwards. */
export async function emulatorFor(t: TestContext, options: EmulatorOptions = {}): Promise<Emulator> {
  const emulator = await startEmulator(options);
  t.diagnostic(`emulator replication seed ${emulator.replicationSeed} (replay: DYNAUTH_EMULATOR_SEED=${emulator.replicationSeed})`);
  trusted.add(emulator.caCertPem);
  tls.setDefaultCACertificates([...tls.getCACertificates('default'), ...trusted]);
  t.after(() => emulator.close());
  return emulator;
}

export interface HttpResult {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: a body is JSON of whatever shape the route answers; each test reads the fields it asserts on, and the assertion is the check
  body: any;
  text: string;
}

export async function http(
  url: string,
  init: { method?: string; token?: string; json?: unknown; form?: Record<string, string>; headers?: Record<string, string> } = {},
): Promise<HttpResult> {
  const headers: Record<string, string> = { ...init.headers };
  let body: string | undefined;
  if (init.token) headers['authorization'] = `Bearer ${init.token}`;
  if (init.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(init.json);
  }
  if (init.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(init.form).toString();
  }
  const res = await fetch(url, { method: init.method ?? (body ? 'POST' : 'GET'), headers, body, redirect: 'manual' });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = text;
  }
  return { status: res.status, headers: res.headers, body: parsed, text };
}

export function tokenUrl(emulator: Emulator, tenant = emulator.tenant.id): string {
  return `${emulator.cloudConfig.authorityHost}/${tenant}/oauth2/v2.0/token`;
}

/** A client-credentials token straight from the token endpoint. */
export async function appToken(emulator: Emulator, clientId: string, clientSecret: string, scope: string): Promise<string> {
  const res = await http(tokenUrl(emulator), {
    form: { grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret, scope },
  });
  if (res.status !== 200) throw new Error(`token request failed: ${res.status} ${res.text}`);
  return res.body.access_token as string;
}

/** A delegated admin token through the device code flow, with raw HTTP. */
export async function adminToken(emulator: Emulator, scope: string): Promise<string> {
  const base = `${emulator.cloudConfig.authorityHost}/${emulator.tenant.id}/oauth2/v2.0`;
  const clientId = '04b07795-8ddb-461a-bbee-02f9e1bf7b46';
  const code = await http(`${base}/devicecode`, { form: { client_id: clientId, scope: `${scope} offline_access openid profile` } });
  if (code.status !== 200) throw new Error(`device code failed: ${code.text}`);
  const token = await http(`${base}/token`, {
    form: { grant_type: 'urn:ietf:params:oauth:grant-type:device_code', client_id: clientId, device_code: code.body.device_code },
  });
  if (token.status !== 200) throw new Error(`device code token failed: ${token.text}`);
  return token.body.access_token as string;
}

export function decodeClaims(jwt: string): AccessTokenClaims {
  return JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8'));
}

export function dataverseUrl(emulator: Emulator, uniqueName: string): string {
  const env = emulator.environments.find((e) => e.uniqueName === uniqueName);
  if (!env?.url) throw new Error(`no Dataverse environment ${uniqueName}`);
  return env.url;
}
