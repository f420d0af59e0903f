// `node test/with-keyring.ts <script.ts> [args…]`: runs a Node script (the test runner, the
// benchmark) with a real Secret Service. On Linux without a D-Bus session it re-runs itself inside
// `dbus-run-session` and starts a private, unlocked gnome-keyring there, so keychain code talks to
// a real Secret Service without touching the user's own keyrings.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const SELF = fileURLToPath(import.meta.url);
const INSIDE_SESSION = 'DYNAUTH_TEST_KEYRING_SESSION';
/** Tells the keychain tests that a Secret Service was promised, so "none reachable" is a failure, not a skip. */
const KEYRING_PROVIDED = 'DYNAUTH_TEST_SECRET_SERVICE';

const [script, ...args] = process.argv.slice(2);
if (!script) throw new Error('usage: node test/with-keyring.ts <script.ts> [args…]');

if (process.env[INSIDE_SESSION] !== undefined) {
  process.exitCode = await runInsideKeyringSession(process.env[INSIDE_SESSION]);
} else if (
  process.platform === 'linux' &&
  !process.env.DBUS_SESSION_BUS_ADDRESS &&
  hasCommand('dbus-run-session') &&
  hasCommand('gnome-keyring-daemon')
) {
  process.exitCode = await runInNewSession();
} else {
  process.exitCode = await runScript(process.env);
}

async function runInNewSession(): Promise<number> {
  const home = mkdtempSync(join(tmpdir(), 'dynauth-test-keyring-'));
  const dataHome = join(home, 'data');
  const runtimeDir = join(home, 'run');
  mkdirSync(join(dataHome, 'keyrings'), { recursive: true, mode: 0o700 });
  mkdirSync(runtimeDir, { mode: 0o700 });
  // A login keyring without password; gnome-keyring would otherwise need a GUI prompt to create one.
  writeFileSync(join(dataHome, 'keyrings', 'default'), 'login', { mode: 0o600 });
  writeFileSync(
    join(dataHome, 'keyrings', 'login.keyring'),
    '[keyring]\ndisplay-name=Login\nctime=0\nmtime=0\nlock-on-idle=false\nlock-after=false\n',
    { mode: 0o600 },
  );
  console.error('run: no D-Bus session; running the tests inside dbus-run-session with a private gnome-keyring');
  try {
    // The bus daemon inherits XDG_DATA_HOME too, so even a keyring it activates on demand uses the private directory.
    const env = { ...process.env, [INSIDE_SESSION]: home, XDG_DATA_HOME: dataHome, XDG_RUNTIME_DIR: runtimeDir };
    return await run('dbus-run-session', ['--', process.execPath, ...process.execArgv, SELF, script, ...args], env);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

async function runInsideKeyringSession(home: string): Promise<number> {
  const daemon = spawn('gnome-keyring-daemon', ['--foreground', '--unlock', '--components=secrets'], {
    stdio: ['pipe', 'ignore', 'pipe'],
    env: process.env,
  });
  let daemonLog = '';
  daemon.stderr?.on('data', (chunk: Buffer) => (daemonLog += chunk.toString()));
  daemon.stdin?.end(''); // the empty unlock password
  try {
    const problem = await waitForKeyring(daemon);
    if (problem === undefined) {
      console.error(`run: gnome-keyring is up and unlocked (pid ${daemon.pid}, keyrings in ${home})`);
    } else {
      console.error(`run: the private gnome-keyring does not work: ${problem}\n${daemonLog}`);
    }
    return await runScript({ ...process.env, [INSIDE_SESSION]: undefined, [KEYRING_PROVIDED]: '1' });
  } finally {
    if (daemon.exitCode === null) daemon.kill('SIGTERM');
  }
}

/** Polls until a probe item can be stored and read back; returns a description of the failure, if any. */
async function waitForKeyring(daemon: ChildProcess): Promise<string | undefined> {
  if (!hasCommand('secret-tool')) {
    await sleep(500);
    return daemon.exitCode === null
      ? undefined
      : `gnome-keyring-daemon exited (${daemon.exitCode}); secret-tool (libsecret-tools) is not installed to check further`;
  }
  // Wait for our daemon to own the bus name first: probing earlier would make the bus activate a second one.
  for (let attempt = 0; attempt < 100 && hasCommand('dbus-send') && !secretServiceNameOwned(); attempt++) {
    if (daemon.exitCode !== null) return `gnome-keyring-daemon exited with code ${daemon.exitCode}`;
    await sleep(50);
  }
  const attributes = ['service', 'dynauth-test-probe', 'account', `probe-${process.pid}`];
  let lastProblem = 'no answer';
  for (let attempt = 0; attempt < 50; attempt++) {
    if (daemon.exitCode !== null) return `gnome-keyring-daemon exited with code ${daemon.exitCode}`;
    const store = spawnSync('secret-tool', ['store', '--label=dynauth test probe', ...attributes], {
      input: 'ok',
      encoding: 'utf8',
      timeout: 5000,
    });
    const lookup = spawnSync('secret-tool', ['lookup', ...attributes], { encoding: 'utf8', timeout: 5000 });
    if (store.status === 0 && lookup.status === 0 && lookup.stdout === 'ok') {
      spawnSync('secret-tool', ['clear', ...attributes], { timeout: 5000 });
      return undefined;
    }
    lastProblem = (store.stderr || lookup.stderr || `secret-tool exited with ${store.status}/${lookup.status}`).trim();
    await sleep(100);
  }
  return lastProblem;
}

function secretServiceNameOwned(): boolean {
  const reply = spawnSync(
    'dbus-send',
    [
      '--session',
      '--print-reply',
      '--dest=org.freedesktop.DBus',
      '/org/freedesktop/DBus',
      'org.freedesktop.DBus.NameHasOwner',
      'string:org.freedesktop.secrets',
    ],
    { encoding: 'utf8', timeout: 5000 },
  );
  return reply.status === 0 && /boolean true/u.test(reply.stdout);
}

async function runScript(env: NodeJS.ProcessEnv): Promise<number> {
  return run(process.execPath, [...process.execArgv, script!, ...args], env);
}

function run(command: string, commandArgs: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, commandArgs, { cwd: ROOT, env, stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolvePromise(code ?? (signal === null ? 1 : 128)));
  });
}

function hasCommand(name: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolvePromise) => setTimeout(resolvePromise, ms));
}
