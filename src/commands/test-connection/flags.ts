import { UsageError } from '../../cli/errors.ts';
import { readList, readStorageFlags, readSwitch, readText, readTimeout, type FlagValues, type StorageFlags } from '../../cli/flags/read.ts';
import { validateEnvironmentUrl, validateTenant } from '../../cli/flags/validate.ts';
import type { Cloud } from '../../clouds.ts';
import type { Env } from '../../deps.ts';
import { validateProfileNameFlag } from '../../profiles/profile-name.ts';
import { isGuid } from '../../util/guid.ts';

export interface TestConnectionFlags extends StorageFlags {
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
  /** --federated-token-file (AZURE_FEDERATED_TOKEN_FILE): a federated profile's platform token. */
  federatedTokenFile: string | undefined;
}

const USE_STDIN = 'pipe it to --client-secret-stdin instead (or leave it out to be asked, masked, in a terminal)';

export function parseTestConnectionFlags(options: FlagValues, cloud: Cloud, env: Env): TestConnectionFlags {
  // Refuse before anything else, and never repeat the value.
  if (options.clientSecret !== undefined) {
    throw new UsageError(`--client-secret is refused: a secret in a flag stays in shell history and the process list; ${USE_STDIN}.`, {
      code: 'secret-in-argv',
    });
  }
  const flags: TestConnectionFlags = {
    profile: readText(options, 'profile'),
    environment: readText(options, 'environment')?.replace(/\/+$/, ''),
    tenant: readText(options, 'tenant'),
    clientId: readText(options, 'clientId'),
    clientSecretStdin: readSwitch(options, 'clientSecretStdin'),
    certificate: readText(options, 'certificate'),
    connectionStringStdin: readSwitch(options, 'connectionStringStdin'),
    handMade: false,
    timeoutMs: readTimeout(options),
    readTables: readList(options, 'read'),
    federatedTokenFile: readText(options, 'federatedTokenFile') || undefined,
    ...readStorageFlags(options, env),
  };
  flags.handMade = Boolean(
    flags.environment || flags.clientId || flags.clientSecretStdin || flags.certificate || flags.connectionStringStdin,
  );
  const badTable = flags.readTables.find((table) => !/^[a-z_][a-z0-9_]*$/i.test(table));
  if (badTable !== undefined) throw new UsageError(`--read "${badTable}" is not a table's entity set name (such as accounts).`);
  if (flags.profile !== undefined) validateProfileNameFlag(flags.profile);
  if (flags.profile && flags.handMade) {
    throw new UsageError('Give either --profile or the flags of a setup made by hand (--environment, --client-id, …), not both.');
  }
  if (flags.clientSecretStdin && flags.connectionStringStdin)
    throw new UsageError('Only one thing can come from stdin: --client-secret-stdin or --connection-string-stdin.');
  if (flags.clientSecretStdin && flags.certificate) throw new UsageError('Give either --client-secret-stdin or --certificate, not both.');
  if (flags.tenant !== undefined) validateTenant(flags.tenant);
  if (flags.environment !== undefined) validateEnvironmentUrl(flags.environment, cloud);
  if (flags.clientId !== undefined) validateClientId(flags.clientId, '--client-id');
  return flags;
}

export function validateClientId(value: string, what: string): void {
  if (isGuid(value)) return;
  // Never echo it: a secret pasted into the wrong flag must not reach the terminal or logs.
  if (value.length >= 30 || value.includes('~')) {
    throw new UsageError(
      `${what} looks like a client secret, not an application (client) id; never give a secret as a flag value: ${USE_STDIN}.`,
      { code: 'secret-in-argv' },
    );
  }
  throw new UsageError(`${what} must be the application (client) id, a GUID such as 11111111-2222-3333-4444-555555555555.`);
}
