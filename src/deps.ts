import { homedir } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import type { GlobalOptions } from './cli/global-options.ts';
import { createUi, type Ui } from './cli/ui.ts';
import { CLOUDS, isCloudName, parseCustomCloud, serviceOfHost, type Cloud } from './clouds.ts';
import { UsageError } from './cli/errors.ts';
import { createHttp, type Http } from './http/http.ts';
import { defaultRetryBudget, describeRetryWait, waitFlagBudget, type RetryBudget } from './http/retry-wait.ts';
import { parseDuration } from './util/duration.ts';
import { readNamedFile } from './util/regular-file.ts';
import { systemClock, type Clock } from './io/clock.ts';
import { whenWaitingOnNetwork } from './io/network-wait.ts';
import { createRedactor, type Redactor } from './secrets/redact.ts';
import { createInquirerPrompter, noPrompter, type Prompter } from './io/prompter.ts';

export type Env = Record<string, string | undefined>;

/** The slice of `process` the CLI touches; tests pass their own. */
export interface ProcessLike {
  env: Env;
  stdin: Readable & { isTTY?: boolean };
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
  platform: NodeJS.Platform;
  on(event: 'SIGINT' | 'SIGTERM' | 'SIGHUP', listener: () => void): unknown;
  off(event: 'SIGINT' | 'SIGTERM' | 'SIGHUP', listener: () => void): unknown;
  exit(code: number): never;
}

export interface Cancellation {
  /** Aborts the running work (deferred while a critical section runs). */
  readonly signal: AbortSignal;
  /** Fires the moment the user asks to stop, even inside a critical section. */
  readonly requested: AbortSignal;
  /** Runs work that must not be cut short by Ctrl-C, such as saving a secret Entra just returned. */
  critical<T>(work: () => Promise<T>): Promise<T>;
  /** A child process reports the cancellation itself (the sandbox): exit 130 without a second line. */
  leaveMessageToChild(): void;
}

/** Everything a command may use; nothing reaches for globals. */
export interface Deps {
  env: Env;
  argv: string[];
  platform: NodeJS.Platform;
  homedir: string;
  io: { stdin: ProcessLike['stdin']; stdout: Writable; stderr: Writable };
  globals: GlobalOptions;
  ui: Ui;
  clock: Clock;
  cancellation: Cancellation;
  canPrompt: boolean;
  canOpenBrowser: boolean;
  prompter: Prompter;
  http: Http;
  fetch: typeof fetch;
  /** Loads Node's fetch implementation (undici) now, rather than on the first call. */
  prepareFetch(): void;
  /** Runs work once the process waits on the network, so that it does not delay the request (io/network-wait.ts). */
  whenWaitingOnNetwork(work: () => void): void;
  /** Register every secret the command handles; stderr output and traces never show it. */
  redactor: Redactor;
  cloud(): Promise<Cloud>;
}

export function createDeps(
  proc: ProcessLike,
  argv: string[],
  globals: GlobalOptions,
  cancellation: Cancellation,
  /** The command's options: its --wait bounds how long one request waits out throttling. */
  commandOptions: Record<string, unknown> = {},
): Deps {
  const redactor = createRedactor();
  // The passphrase is not among them: it never leaves the machine and is never put in a message.
  for (const name of ['AZURE_CLIENT_SECRET', 'AZURE_CLIENT_CERTIFICATE_PASSWORD']) {
    const secret = proc.env[name];
    if (secret) redactor.add(secret);
  }
  const ui = createUi(proc, globals, (text) => redactor.redact(text));
  const canPrompt = proc.stdin.isTTY === true && proc.stderr.isTTY === true;
  let cloud: Promise<Cloud> | undefined;
  let knownCloud: Cloud | undefined;
  return {
    env: proc.env,
    argv,
    platform: proc.platform,
    homedir: homedir(),
    io: { stdin: proc.stdin, stdout: proc.stdout, stderr: proc.stderr },
    globals,
    ui,
    clock: systemClock,
    cancellation,
    canPrompt,
    canOpenBrowser: canPrompt && (proc.platform !== 'linux' || Boolean(proc.env.DISPLAY || proc.env.WAYLAND_DISPLAY)),
    prompter: canPrompt ? createInquirerPrompter({ input: proc.stdin, output: proc.stderr }, cancellation.signal) : noPrompter,
    http: createHttp({
      fetch: globalThis.fetch,
      clock: systemClock,
      signal: cancellation.signal,
      trace: (line) => ui.verbose(line),
      serviceName: (host) => (knownCloud && serviceOfHost(knownCloud, host)) || host,
      budget: retryBudget(commandOptions.wait),
      // Short waits stay quiet; a long one is said, so a throttled run does not look frozen.
      onRetry: (wait) => wait.waitMs >= 2000 && ui.step(describeRetryWait(wait)),
    }),
    fetch: globalThis.fetch,
    // fetch() loads undici on its first call; reading one of the globals it also provides loads it.
    prepareFetch: () => void globalThis.Headers,
    whenWaitingOnNetwork,
    redactor,
    cloud: () => (cloud ??= resolveCloud(globals).then((resolved) => (knownCloud = resolved))),
  };
}

/** --wait, where the command has it; a bad value is the command's own usage error, so it is not reported here. */
function retryBudget(wait: unknown): RetryBudget {
  if (typeof wait !== 'string') return defaultRetryBudget();
  try {
    return waitFlagBudget(parseDuration(wait, '--wait'), wait.trim());
  } catch {
    return defaultRetryBudget();
  }
}

/** A cloud config is a few hundred bytes of JSON. */
const MAX_CLOUD_CONFIG_BYTES = 64 * 1024;

export async function resolveCloud(globals: Pick<GlobalOptions, 'cloud' | 'cloudConfig'>): Promise<Cloud> {
  if (globals.cloudConfig) {
    const text = await readNamedFile(globals.cloudConfig, 'cloud config', MAX_CLOUD_CONFIG_BYTES);
    return parseCustomCloud(text, globals.cloudConfig);
  }
  if (!isCloudName(globals.cloud)) throw new UsageError(`Unknown cloud "${globals.cloud}"`);
  return CLOUDS[globals.cloud];
}
