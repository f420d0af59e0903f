import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { ExitCode, UsageError } from '../../cli/errors.ts';
import type { Deps, Env } from '../../deps.ts';
import { addSandboxOptions } from './options.ts';
import { sandboxTokenSpec, writeSandboxToken } from './federated-token.ts';
import { utcMinute } from '../../util/utc-time.ts';
import { cleanSandboxKeychain, sandboxStore } from './keychain.ts';
import { markSandbox, removeAbandonedSandboxes, SANDBOX_DIR_PREFIX } from './abandoned.ts';
import { packageFile } from '../../package-files.ts';
import { quoteForMessage } from '../../util/terminal-text.ts';

/** Starts the emulated tenant, then runs a dynauth command against it or prints how to reach it. */
export async function run(deps: Deps): Promise<number> {
  const { options, command } = parseSandboxArgs(deps.argv);
  // Ctrl-C ends the child or the wait; the emulator, temp files and keychain items are removed before exiting.
  return deps.cancellation.critical(() => runSandbox(deps, options, command));
}

async function runSandbox(deps: Deps, options: SandboxOptions, command: string[]): Promise<number> {
  const { startEmulator, parseFaultSpec } = await import('../../emulator/index.ts');
  const lag = options.replicationLag === undefined ? undefined : nonNegative(options.replicationLag, '--replication-lag');
  const latencyMs = options.latency === undefined ? undefined : nonNegative(options.latency, '--latency');
  const replicationSeed = deps.env.DYNAUTH_EMULATOR_SEED === undefined ? undefined : seed(deps.env.DYNAUTH_EMULATOR_SEED);
  const faults = (options.fault ?? []).map((spec) => {
    try {
      return parseFaultSpec(spec);
    } catch (error) {
      throw new UsageError(`--fault: ${error instanceof Error ? error.message : String(error)}`, {
        hint: 'See the fault syntax in dynauth sandbox --help.',
      });
    }
  });
  const tokenSpec = sandboxTokenSpec(options.federatedToken);
  await removeAbandonedSandboxes(tmpdir());
  const replicationLag =
    lag === undefined
      ? undefined
      : { appMs: lag, servicePrincipalMs: lag, secretMs: lag, certificateMs: lag, appUserMs: lag, federatedCredentialMs: lag };
  const emulator = await startEmulator({ latencyMs, faults, replicationLag, replicationSeed });
  const directory = await mkdtemp(join(tmpdir(), SANDBOX_DIR_PREFIX));
  try {
    const { cloudConfigPath, caCertPath } = await emulator.writeFiles(directory);
    const store = await sandboxStore(deps.env);
    await markSandbox(directory, { pid: process.pid, service: store.service });
    const env: Env = {
      DYNAUTH_CLOUD_CONFIG: cloudConfigPath,
      NODE_EXTRA_CA_CERTS: caCertPath,
      DYNAUTH_CONFIG_DIR: join(directory, 'profiles'),
      DYNAUTH_KEYCHAIN_SERVICE: store.service,
      DYNAUTH_TENANT: emulator.tenant.domain,
      DYNAUTH_AUTH: deps.env.DYNAUTH_AUTH ?? 'device-code',
      // A delegated setup's sign-in is approved by the sandbox itself (no browser would trust its CA).
      DYNAUTH_SANDBOX_BROWSER: '1',
      // --push github: goes to the emulated GitHub, with its token (never a real one of the user's).
      GITHUB_API_URL: emulator.github.apiUrl,
      GH_TOKEN: emulator.github.token,
      ...store.env,
    };
    deps.ui.info(
      deps.ui.style.bold(
        `Sandbox tenant "${emulator.tenant.displayName}" (${emulator.tenant.domain}), signed-in admin ${emulator.admin.userPrincipalName}`,
      ),
    );
    deps.ui.info(`Integration account of delegated setups: ${emulator.integration.userPrincipalName} (the sandbox approves its sign-ins)`);
    deps.ui.info(
      `Dataverse environments: ${emulator.environments
        .filter((e) => e.url)
        .map((e) => `${e.uniqueName} (${e.url})`)
        .join(', ')}`,
    );
    deps.ui.info(
      `--push targets: github:${emulator.github.repositories[0]}/production:DATAVERSE, keyvault:${emulator.keyVault.url}/<secret-name>`,
    );
    deps.ui.info(
      deps.ui.style.dim(
        `Replication seed ${emulator.replicationSeed}: DYNAUTH_EMULATOR_SEED=${emulator.replicationSeed} replays the same delays.`,
      ),
    );
    if (store.note) deps.ui.warn(store.note);
    if (tokenSpec) {
      const written = await writeSandboxToken(emulator, directory, tokenSpec);
      env.AZURE_FEDERATED_TOKEN_FILE = written.file;
      deps.ui.info(
        `Federated token (issuer ${tokenSpec.issuer}, subject ${tokenSpec.subject}, valid until ${utcMinute(written.expiresOn)}) in AZURE_FEDERATED_TOKEN_FILE`,
      );
    }
    const automation = {
      AZURE_TENANT_ID: emulator.tenant.id,
      AZURE_CLIENT_ID: emulator.automation.clientId,
      AZURE_CLIENT_SECRET: emulator.automation.clientSecret,
    };
    if (command.length) deps.cancellation.leaveMessageToChild();
    const code = command.length
      ? await runChild(deps, command, { ...deps.env, ...automation, ...globalsFor(deps), ...env })
      : await printAndWait(deps, env);
    if (command.length)
      deps.ui.info(
        deps.ui.style.dim(
          'The sandbox has stopped and forgotten everything. To keep one running, start `dynauth sandbox` and use the variables it prints in another shell.',
        ),
      );
    await cleanSandboxKeychain(store.service, join(directory, 'profiles'));
    return code;
  } finally {
    await emulator.close();
    await rm(directory, { recursive: true, force: true });
  }
}

interface SandboxOptions {
  federatedToken?: string;
  latency?: string;
  fault?: string[];
  replicationLag?: string;
}

function parseSandboxArgs(argv: string[]): { options: SandboxOptions; command: string[] } {
  const raw = argv.slice(argv.indexOf('sandbox') + 1);
  const parser = addSandboxOptions(new Command('dynauth sandbox'))
    .argument('[command...]')
    .passThroughOptions()
    .allowUnknownOption()
    .helpOption(false)
    .exitOverride()
    .configureOutput({ writeErr: () => {}, writeOut: () => {} });
  parser.action(() => {});
  try {
    parser.parse(raw, { from: 'user' });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  // Options before the command (--json, --verbose …) are dynauth's global ones, already parsed.
  const start = parser.args.findIndex((arg) => !arg.startsWith('-'));
  return { options: parser.opts<SandboxOptions>(), command: start === -1 ? [] : parser.args.slice(start) };
}

/** The global options given to `dynauth … sandbox`, handed to the command run in it. */
function globalsFor(deps: Deps): Env {
  const { json, verbose, quiet, color } = deps.globals;
  return {
    ...(json ? { DYNAUTH_JSON: '1' } : {}),
    ...(verbose ? { DYNAUTH_VERBOSE: '1' } : {}),
    ...(quiet ? { DYNAUTH_QUIET: '1' } : {}),
    ...(color ? {} : { NO_COLOR: '1' }),
  };
}

function seed(text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isInteger(value) || value < 0 || value >= 2 ** 32) {
    throw new UsageError(`DYNAUTH_EMULATOR_SEED must be a whole number from 0 to 4294967295, not "${text}".`);
  }
  return value;
}

/** A simulated delay: up to 10 minutes, far past any real one, and well inside what a timer holds. */
const MAX_SIMULATED_DELAY_MS = 600_000;

function nonNegative(text: string, flag: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0 || value > MAX_SIMULATED_DELAY_MS) {
    throw new UsageError(
      `${flag} must be a whole number of milliseconds from 0 to ${MAX_SIMULATED_DELAY_MS}, not "${quoteForMessage(text, 40)}".`,
    );
  }
  return value;
}

function runChild(deps: Deps, command: string[], env: Env): Promise<number> {
  const bin = packageFile('bin/dynauth.js');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fileURLToPath(bin), ...command], {
      stdio: [deps.io.stdin, deps.io.stdout, deps.io.stderr].map(() => 'inherit') as ['inherit', 'inherit', 'inherit'],
      env,
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? ExitCode.cancelled : ExitCode.failure)));
  });
}

async function printAndWait(deps: Deps, env: Env): Promise<number> {
  const exports = Object.entries(env).filter(([key]) => key !== 'DYNAUTH_PASSPHRASE');
  deps.ui.result(Object.fromEntries(exports), () => exports.map(([key, value]) => `export ${key}=${shellQuote(value ?? '')}`).join('\n'));
  deps.ui.info('Sandbox running; paste the lines above into another shell, then run dynauth there. Ctrl-C stops it.');
  if (env.DYNAUTH_PASSPHRASE)
    deps.ui.info(
      'No keychain here, so the sandbox uses the encrypted file store: also set DYNAUTH_PASSPHRASE=<a passphrase of 8 or more characters> in that shell.',
    );
  await new Promise<void>((resolve) => deps.cancellation.requested.addEventListener('abort', () => resolve(), { once: true }));
  return ExitCode.cancelled;
}

function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}
