// Issue 14, "Terminal and display injection" and "Bad input that still ends badly", tried on the
// real CLI: whatever the arguments, files and stdin hold, dynauth ends with one clean message and
// its exit code, echoes no control character and no secret, and has sent nothing anywhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openStorage } from '../../src/connection/storage.ts';
import { hostileCases } from '../support/hostile.ts';
import { runInPty } from '../support/pty.ts';
import { startSandbox, type Run, type Sandbox } from '../support/sandbox.ts';

/** What a terminal would act on: C0 (but tab and newline), DEL, C1, bidi controls. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are the control characters the output must not carry
const TERMINAL_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/u;
const TITLE_AND_CLEAR = '\u001b]0;pwned\u0007\u001b[2J\u001b[3J';
const INIT = ['init', '--yes', '--role-preset', 'read-only'];

function assertCleanUsageError(run: Run, message: RegExp): void {
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, message);
  assert.doesNotMatch(run.stderr + run.stdout, TERMINAL_CONTROL, JSON.stringify(run.stderr));
  assert.doesNotMatch(run.stderr, /\n\s+at |Unexpected error|Warning:/, 'no stack trace, no "unexpected", no Node warning');
}

const ECHOED: Array<{ name: string; args: string[]; env?: Record<string, string>; message: RegExp }> = [
  {
    name: '--environment with a title change and screen clear',
    args: [...INIT, '--environment', `${TITLE_AND_CLEAR}contoso`],
    message: /--environment holds a control or bidirectional-override character \(U\+001B at position 1\)/,
  },
  {
    name: '--add-environment with a bidi override',
    args: ['init', '--yes', '--profile', 'p', '--add-environment', 'contoso\u202esales'],
    message: /--add-environment holds a control/,
  },
  {
    name: '--tenant with escape sequences',
    args: [...INIT, '--environment', 'contososales', '--tenant', `${TITLE_AND_CLEAR}contoso.com`],
    message: /--tenant "contoso\.com" is neither a tenant id/,
  },
  {
    name: '--role with a cursor move',
    args: ['init', '--yes', '--environment', 'contososales', '--role', 'Basic User\u001b[1A\u001b[2K'],
    message: /--role holds a control/,
  },
  {
    name: '--business-unit with a C1 CSI',
    args: [...INIT, '--environment', 'contososales', '--business-unit', 'BU\u009b2J'],
    message: /--business-unit holds a control/,
  },
  {
    name: '--profile with an OSC 8 hyperlink',
    args: ['test-connection', '--profile', '\u001b]8;;https://evil.example\u001b\\prod\u001b]8;;\u001b\\'],
    message: /Profile name "prod" is not safe as a file name/,
  },
  {
    name: '--ics naming a directory with escape sequences',
    args: ['status', '--ics', `/no-such-dir-${TITLE_AND_CLEAR}/x.ics`],
    message: /--ics \/no-such-dir-\/x\.ics: there is no directory/,
  },
  {
    name: '--cloud with a title change',
    args: [...INIT, '--environment', 'contososales', '--cloud', `${TITLE_AND_CLEAR}public`],
    env: { DYNAUTH_CLOUD_CONFIG: '' },
    message: /option '--cloud <name>' argument 'public' is invalid/,
  },
  { name: 'an unknown option holding escape sequences', args: ['status', `--x${TITLE_AND_CLEAR}`], message: /unknown option '--x'/ },
  {
    name: 'a carriage return that would overwrite the error line',
    args: [...INIT, '--environment', 'contososales', '--tenant', 'bad tenant\r✔ All good'],
    message: /--tenant "bad tenant✔ All good" is neither/,
  },
];

for (const c of hostileCases('terminal-arguments', ECHOED)) {
  test(`terminal injection: ${c.name} is shown without its control characters (exit 2, nothing sent)`, async (t) => {
    const sandbox = await startSandbox(t);
    for (const json of [false, true]) {
      const run = await sandbox.run(json ? [...c.args, '--json'] : c.args, { env: c.env });
      assertCleanUsageError(run, c.message);
      if (json && run.stdout) assert.equal(JSON.parse(run.stdout).ok, false);
    }
    assert.deepEqual(sandbox.emulator.requests, []);
  });
}

const APP_NAMES: Array<{ name: string; appName: string }> = [
  { name: 'a newline ("Approved by Microsoft" on a line of its own)', appName: 'dynauth\nApproved by Microsoft' },
  { name: 'a right-to-left override (dynauth-‮txt.exe)', appName: 'dynauth-\u202etxt.exe' },
  { name: 'a first-strong isolate', appName: 'dynauth-\u2068exe.txt\u2069' },
  { name: 'an escape sequence', appName: `dynauth${TITLE_AND_CLEAR}` },
  { name: 'a DEL and a backspace', appName: 'dynauth\u007fadmin\b' },
];

for (const c of hostileCases('terminal-app-name', APP_NAMES)) {
  test(`--app-name with ${c.name} is refused before anything is sent to Entra (exit 2)`, async (t) => {
    const sandbox = await startSandbox(t);
    const run = await sandbox.run([...INIT, '--environment', 'contososales', '--app-name', c.appName]);
    assertCleanUsageError(
      run,
      /--app-name holds a control or bidirectional-override character \(U\+[0-9A-F]{4} at position \d+\); names are shown in the Entra admin center/,
    );
    assert.deepEqual(sandbox.emulator.requests, []);
    assert.equal(
      sandbox.emulator.state.applications.some((app) => /dynauth[^a-z]/.test(app.displayName)),
      false,
    );
  });
}

const DURATIONS: Array<{ name: string; args: string[]; message: RegExp }> = [
  {
    name: 'test-connection --timeout 99999999999999999999',
    args: ['test-connection', '--profile', 'p', '--timeout', '99999999999999999999'],
    message: /--timeout "99999999999999999999" is too long: give at most 1 day \(24h\)\./,
  },
  { name: 'status --check --timeout 30d', args: ['status', '--check', '--timeout', '30d'], message: /--timeout "30d" is too long/ },
  {
    name: 'init --wait 99999999999999999999',
    args: [...INIT, '--environment', 'contososales', '--wait', '99999999999999999999'],
    message: /--wait "99999999999999999999" is too long/,
  },
  {
    name: 'rotate-secret --wait 25d (past a Node timer)',
    args: ['rotate-secret', '--profile', 'p', '--wait', '25d'],
    message: /--wait "25d" is too long/,
  },
  {
    name: 'rotate-secret --revoke-after 100000d',
    args: ['rotate-secret', '--profile', 'p', '--revoke-after', '100000d'],
    message: /--revoke-after "100000d" is too long: give at most 730 days/,
  },
  {
    name: 'rotate-secret --all --if-expiring-within a thousand digits',
    args: ['rotate-secret', '--all', '--if-expiring-within', `${'9'.repeat(1000)}d`],
    message: /--if-expiring-within "9{40}… \(1001 characters\)" is too long/,
  },
  {
    name: 'init --secret-expiry 99999999999999999999y',
    args: [...INIT, '--environment', 'contososales', '--secret-expiry', '99999999999999999999y'],
    message: /--secret-expiry "99999999999999999999y" is far too long a lifetime/,
  },
  {
    name: 'sandbox --latency 99999999999',
    args: ['sandbox', '--latency', '99999999999', 'status'],
    message: /--latency must be a whole number of milliseconds from 0 to 600000/,
  },
];

for (const c of hostileCases('input-duration-flag', DURATIONS)) {
  test(`bad input: ${c.name} is a usage error, never a TimeoutOverflowWarning`, async (t) => {
    const sandbox = await startSandbox(t);
    const run = await sandbox.run(c.args, { timeoutMs: 30_000 });
    assertCleanUsageError(run, c.message);
    assert.doesNotMatch(run.stderr, /TimeoutOverflowWarning/);
    assert.deepEqual(sandbox.emulator.requests, []);
  });
}

async function specialFiles(sandbox: Sandbox) {
  const fifo = join(sandbox.dir, 'pipe');
  execFileSync('mkfifo', [fifo]);
  const linkToNull = join(sandbox.dir, 'looks-like-a-file.pem');
  await symlink('/dev/null', linkToNull);
  return [
    { name: '/dev/null (a character device)', path: '/dev/null', kind: /is a character device, not a regular file/ },
    { name: '/dev/full (every write ENOSPC)', path: '/dev/full', kind: /is a character device, not a regular file/ },
    { name: 'a FIFO (nobody reads it)', path: fifo, kind: /is a FIFO \(named pipe\), not a regular file/ },
    { name: 'a symlink to /dev/null', path: linkToNull, kind: /is a character device, not a regular file/ },
  ];
}

test('bad input: --certificate-out and --ics naming a device, a FIFO or a link to one are refused before anything is done', async (t) => {
  const sandbox = await startSandbox(t);
  const files = hostileCases('input-output-file', await specialFiles(sandbox));
  for (const file of files) {
    const started = Date.now();
    const cert = await sandbox.run(
      [...INIT, '--environment', 'contososales', '--credential', 'certificate', '--certificate-out', file.path],
      { timeoutMs: 20_000 },
    );
    assertCleanUsageError(cert, new RegExp(`--certificate-out .* ${file.kind.source}`));
    const ics = await sandbox.run(['status', '--ics', file.path], { timeoutMs: 20_000 });
    assertCleanUsageError(ics, new RegExp(`--ics .* ${file.kind.source}`));
    assert.ok(Date.now() - started < 15_000, `${file.name}: no wait on the file`);
  }
  assert.deepEqual(sandbox.emulator.requests, []);
  assert.ok((await stat('/dev/null')).isCharacterDevice(), '/dev/null is still the device node');
});

test('bad input: export --pem-out /dev/null or a FIFO is refused and the device is left as it is', async (t) => {
  const sandbox = await startSandbox(t);
  const made = await sandbox.run([...INIT, '--environment', 'contososales', '--credential', 'certificate']);
  assert.equal(made.code, 0, made.stderr);
  const files = hostileCases(
    'input-pem-out',
    (await specialFiles(sandbox)).filter((file) => file.path !== '/dev/full'),
  );
  for (const file of files) {
    const run = await sandbox.run(['export', '--pem-out', file.path], { timeoutMs: 20_000 });
    assertCleanUsageError(run, new RegExp(`--pem-out .* ${file.kind.source}`));
    assert.equal(run.stdout, '', 'no connection string printed when the command fails');
  }
  assert.ok((await stat('/dev/null')).isCharacterDevice());
  await sandbox.assertNoSecretLeaked();
});

/** `sent`: small enough for stdin's cap (64 KiB), so Entra is asked and refuses it (exit 4). */
const WRONG_SECRETS: Array<{ name: string; secret: () => string; sent: boolean }> = [
  { name: '1 MiB of random bytes', secret: () => randomBytes(1024 * 1024).toString('latin1'), sent: false },
  { name: '30 KB of random bytes', secret: () => randomBytes(30 * 1024).toString('latin1'), sent: true },
  { name: '40 KB of printable characters', secret: () => randomBytes(30 * 1024).toString('base64'), sent: true },
  { name: 'regular-expression syntax', secret: () => `(a+)+$[^]{1,}\\1|*?${randomBytes(8).toString('hex')}`.repeat(20), sent: true },
];

for (const c of hostileCases('input-secret-stdin', WRONG_SECRETS)) {
  test(`bad input: a wrong secret of ${c.name} on --client-secret-stdin is never echoed and never crashes`, async (t) => {
    const sandbox = await startSandbox(t);
    const secret = c.secret();
    const environment = sandbox.emulator.environments.find((e) => e.uniqueName === 'contososales')!.url!;
    const args = [
      'test-connection',
      '--environment',
      environment,
      '--tenant',
      sandbox.emulator.tenant.domain,
      '--client-id',
      sandbox.emulator.automation.clientId,
      '--client-secret-stdin',
    ];
    // --verbose traces every request, the form with the secret included.
    for (const extra of [[], ['--json'], ['--verbose']]) {
      const run = await sandbox.run([...args, ...extra], { input: secret, timeoutMs: 60_000 });
      // Refused as too large (2) or by Entra (4); never a crash (1) with a stack trace.
      assert.equal(run.code, c.sent ? 4 : 2, run.stderr.slice(0, 2000));
      const output = run.stdout + run.stderr;
      assert.doesNotMatch(output, /Regular expression too large|Invalid regular expression|Unexpected error|\n\s+at /);
      assert.ok(output.length < 50_000, `${output.length} characters of output`);
      // Any echoed run of 48 characters holds one of these 24-character pieces, raw or URL-encoded.
      const trimmed = secret.trim();
      for (const form of [trimmed, new URLSearchParams({ s: trimmed }).toString().slice(2)]) {
        for (let at = 0; at + 24 <= form.length; at += 24) {
          if (output.includes(form.slice(at, at + 24))) assert.fail(`a piece of the secret at ${at} was echoed`);
        }
      }
    }
    const tokenRequests = sandbox.emulator.requests.filter((r) => r.service === 'login' && r.path.endsWith('/token'));
    assert.equal(tokenRequests.length > 0, c.sent);
  });
}

test("bad input: a DYNAUTH_PASSPHRASE shorter than the prompt's 8 characters is refused for the file store (exit 2)", async (t) => {
  const sandbox = await startSandbox(t);
  for (const passphrase of hostileCases('input-passphrase', ['x', 'seven77'])) {
    const run = await sandbox.run([...INIT, '--environment', 'contososales', '--store', 'file'], {
      env: { DYNAUTH_PASSPHRASE: passphrase },
    });
    assertCleanUsageError(
      run,
      /DYNAUTH_PASSPHRASE is too short to encrypt the new credential: give at least 8 characters, as the prompt asks\./,
    );
    if (passphrase.length > 1) assert.doesNotMatch(run.stderr + run.stdout, new RegExp(passphrase));
  }
  assert.deepEqual(sandbox.emulator.requests, []);
});

test('bad input: a --cloud-config host name of 1 MB (or 10 KB) is refused in one short line', async (t) => {
  const sandbox = await startSandbox(t);
  const cases = hostileCases('input-cloud-config-file', [
    {
      host: 'a'.repeat(1_000_000),
      message:
        /Cannot read cloud config .* is \d+ bytes, more than the 65536 expected|Bad cloud config .*: \d+ characters; a cloud config is a few hundred/,
    },
    { host: 'a'.repeat(10_000), message: /Bad cloud config .*: key "authorityHost" is \d+ characters; a URL has at most 2048/ },
    { host: `${'a'.repeat(64)}.example`, message: /Bad cloud config .*: key "authorityHost" has a bad host name/ },
  ]);
  for (const { host, message } of cases) {
    const config = join(sandbox.dir, 'hostile-cloud.json');
    await writeFile(config, JSON.stringify({ ...sandbox.emulator.cloudConfig, authorityHost: `https://${host}` }));
    const run = await sandbox.run([...INIT, '--environment', 'contososales'], { env: { DYNAUTH_CLOUD_CONFIG: config } });
    assertCleanUsageError(run, message);
    assert.ok(run.stderr.length < 1000, `${run.stderr.length} characters`);
  }
});

const SERVICE_NAMES: Array<{ name: string; environment: string; rootBusinessUnit: string }> = [
  {
    name: 'a title change and screen clear',
    environment: `Contoso ${TITLE_AND_CLEAR}Sales`,
    rootBusinessUnit: `Root ${TITLE_AND_CLEAR}BU`,
  },
  { name: 'a bidi override and a C1 CSI', environment: 'Contoso \u202eselaS\u202c', rootBusinessUnit: 'Root\u009b2J BU' },
  {
    name: 'a carriage return faking a success line',
    environment: 'Contoso Sales\r✔ Connection verified everywhere',
    rootBusinessUnit: 'Root\u001b[8m hidden',
  },
];

for (const c of hostileCases('terminal-service-names', SERVICE_NAMES)) {
  test(`names from the services with ${c.name} are shown without their control characters`, async (t) => {
    const sandbox = await startSandbox(t, {
      seed: { names: { contososales: { environment: c.environment, rootBusinessUnit: c.rootBusinessUnit } } },
    });
    const runs = [
      await sandbox.run([...INIT, '--environment', 'contososales', '--dry-run']),
      await sandbox.run([...INIT, '--environment', 'contososales']),
      await sandbox.run([...INIT, '--environment', 'contososales', '--json']),
      await sandbox.run(['status', '--check']),
      await sandbox.run(['test-connection', '--json']),
    ];
    for (const run of runs) {
      assert.equal(run.code, 0, run.stderr);
      assert.doesNotMatch(run.stderr + run.stdout, TERMINAL_CONTROL, JSON.stringify(run.stderr + run.stdout));
    }
    assert.match(runs[0]!.stdout + runs[0]!.stderr, /business unit "Root /, 'the plan names the business unit');
    assert.match(runs[0]!.stdout + runs[0]!.stderr, /Contoso /, 'and the environment');
    assert.equal(JSON.parse(runs[2]!.stdout).environment.uniqueName, 'contososales', 'the --json result is still JSON');
  });
}

test('bad input: the passphrase prompt applies the same 8-character rule as DYNAUTH_PASSPHRASE', async (t) => {
  const sandbox = await startSandbox(t, {}, { store: 'file' });
  const { DYNAUTH_PASSPHRASE: _unused, ...env } = sandbox.env;
  const bin = new URL('../../bin/dynauth.js', import.meta.url).pathname;
  const [short] = hostileCases('input-passphrase-prompt', ['short77']);
  const answered = [
    '--environment',
    'contososales',
    '--role-preset',
    'read-only',
    '--app-name',
    'pp-app',
    '--credential',
    'secret',
    '--secret-expiry',
    '30',
    '--business-unit',
    'Contoso Support',
    '--profile',
    'contososales',
  ];
  const { code, screen } = await runInPty([process.execPath, bin, 'init', ...answered, '--store', 'file', '--passphrase'], env, [
    { expect: /Passphrase that encrypts the stored connection/, send: `${short}\r` },
    { expect: /at least 8 characters/, send: 'X\r' },
    { expect: /Apply this plan\?/, send: 'y\r' },
  ]);
  assert.equal(code, 0, screen);
  assert.match(screen, /Done\./);
  const { vault } = await openStorage({ env, platform: process.platform, homedir: env.HOME! }, { store: 'file', passphrase: `${short}X` });
  assert.ok(await vault.loadConnection('contososales'), 'stored with the 8-character passphrase typed after the refusal');
});
