import { UsageError } from '../../cli/errors.ts';
import type { Cloud } from '../../clouds.ts';
import type { Env } from '../../deps.ts';
import { parseDuration } from '../../util/duration.ts';
import { validateEnvironmentSelector, validateProfileName, validateTenant } from '../init/flags.ts';

export interface TestConnectionFlags {
  profile: string | undefined;
  environment: string | undefined;
  tenant: string | undefined;
  clientId: string | undefined;
  clientSecretStdin: boolean;
  certificate: string | undefined;
  connectionStringStdin: boolean;
  /** A setup made by hand (any of its flags given), rather than a profile. */
  handMade: boolean;
  timeoutMs: number;
  readTables: string[];
  store: 'keychain' | 'file';
  usePassphrase: boolean;
  passphrase: string | undefined;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const USE_STDIN = 'pipe it to --client-secret-stdin instead (or leave it out to be asked, masked, in a terminal)';

export function parseTestConnectionFlags(options: Record<string, unknown>, cloud: Cloud, env: Env): TestConnectionFlags {
  // Refuse before anything else, and never repeat the value.
  if (options.clientSecret !== undefined) {
    throw new UsageError(`--client-secret is refused: a secret in a flag stays in shell history and the process list; ${USE_STDIN}.`, { code: 'secret-in-argv' });
  }
  const text = (key: string) => (typeof options[key] === 'string' ? (options[key] as string).trim() : undefined);
  const flags: TestConnectionFlags = {
    profile: text('profile'),
    environment: text('environment')?.replace(/\/+$/, ''),
    tenant: text('tenant'),
    clientId: text('clientId'),
    clientSecretStdin: options.clientSecretStdin === true,
    certificate: text('certificate'),
    connectionStringStdin: options.connectionStringStdin === true,
    handMade: false,
    timeoutMs: parseDuration(text('timeout') ?? '30s', '--timeout'),
    readTables: Array.isArray(options.read) ? (options.read as string[]).map((t) => t.trim()).filter(Boolean) : [],
    store: (text('store') ?? 'keychain') as TestConnectionFlags['store'],
    usePassphrase: options.passphrase === true || Boolean(env.DYNAUTH_PASSPHRASE),
    passphrase: env.DYNAUTH_PASSPHRASE || undefined,
  };
  flags.handMade = Boolean(flags.environment || flags.clientId || flags.clientSecretStdin || flags.certificate || flags.connectionStringStdin);
  if (flags.timeoutMs < 1000) throw new UsageError(`--timeout "${text('timeout')}" is too short; give at least 1s.`);
  const badTable = flags.readTables.find((table) => !/^[a-z_][a-z0-9_]*$/i.test(table));
  if (badTable !== undefined) throw new UsageError(`--read "${badTable}" is not a table's entity set name (such as accounts).`);
  if (flags.profile !== undefined) validateProfileName(flags.profile);
  if (flags.profile && flags.handMade) {
    throw new UsageError('Give either --profile or the flags of a setup made by hand (--environment, --client-id, …), not both.');
  }
  if (flags.clientSecretStdin && flags.connectionStringStdin) throw new UsageError('Only one thing can come from stdin: --client-secret-stdin or --connection-string-stdin.');
  if (flags.clientSecretStdin && flags.certificate) throw new UsageError('Give either --client-secret-stdin or --certificate, not both.');
  if (flags.tenant !== undefined) validateTenant(flags.tenant);
  if (flags.environment !== undefined) validateEnvironmentUrl(flags.environment, cloud);
  if (flags.clientId !== undefined) validateClientId(flags.clientId, '--client-id');
  return flags;
}

export function validateEnvironmentUrl(url: string, cloud: Cloud, what = '--environment'): void {
  if (!/^https?:\/\//i.test(url) || !URL.canParse(url)) {
    throw new UsageError(`${what} must be the environment URL, such as https://contoso.crm.dynamics.com.`);
  }
  validateEnvironmentSelector(url, cloud);
}

export function validateClientId(value: string, what: string): void {
  if (GUID.test(value)) return;
  // Never echo it: a secret pasted into the wrong flag must not reach the terminal or logs.
  if (value.length >= 30 || value.includes('~')) {
    throw new UsageError(`${what} looks like a client secret, not an application (client) id; never give a secret as a flag value: ${USE_STDIN}.`, { code: 'secret-in-argv' });
  }
  throw new UsageError(`${what} must be the application (client) id, a GUID such as 11111111-2222-3333-4444-555555555555.`);
}
