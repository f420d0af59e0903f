import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildProgram, main } from '../../src/main.ts';
import { fakeProcess } from '../support/process.ts';

const bin = new URL('../../bin/dynauth.js', import.meta.url).pathname;

test('--help lists the three commands and the exit codes', async () => {
  const proc = fakeProcess();
  assert.equal(await main(['--help'], proc), 0);
  for (const command of ['init', 'test-connection', 'rotate-secret', 'export', 'token', 'api', 'remove', 'sandbox'])
    assert.match(proc.out(), new RegExp(`\\n  ${command} `));
  assert.match(proc.out(), /130 cancelled/);
});

test('an unknown option is a usage error (exit 2)', async () => {
  const proc = fakeProcess();
  assert.equal(await main(['init', '--no-such-flag'], proc), 2);
  assert.match(proc.err(), /unknown option '--no-such-flag'/);
  assert.match(proc.err(), /\(run dynauth init --help for usage\)/, "the command's own help lists its flags");
});

test('with --json (or DYNAUTH_JSON), a usage error caught by the option parser is one JSON object on stdout too', async () => {
  for (const [argv, env, code] of [
    [['status', '--no-such-flag', '--json'], {}, 'unknown-option'],
    [['frobnicate'], { DYNAUTH_JSON: '1' }, 'unknown-command'],
  ] as const) {
    const proc = fakeProcess(env);
    assert.equal(await main([...argv], proc), 2);
    const result = JSON.parse(proc.out());
    assert.equal(result.ok, false);
    assert.equal(result.error.code, code);
  }
  const plain = fakeProcess();
  assert.equal(await main(['status', '--no-such-flag'], plain), 2);
  assert.equal(plain.out(), '');
});

test('a bad --cloud-config exits 2 with one line naming the key', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dynauth-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'cloud.json');
  writeFileSync(file, JSON.stringify({ authorityHost: 'https://a', graphEndpoint: 'nope' }));
  const proc = fakeProcess({ NO_COLOR: '1' });
  assert.equal(await main(['init', '--cloud-config', file], proc), 2);
  assert.equal(proc.err().trim().split('\n').length, 1);
  assert.match(proc.err(), /unknown key|missing key|graphEndpoint/);
});

test('the cloud config is also read from DYNAUTH_CLOUD_CONFIG', async () => {
  const proc = fakeProcess({ DYNAUTH_CLOUD_CONFIG: '/nonexistent/cloud.json' });
  assert.equal(await main(['test-connection'], proc), 2);
  assert.match(proc.err(), /Cannot read cloud config \/nonexistent\/cloud.json/);
});

test('an environment twin with a value outside the choices is a usage error', async () => {
  const proc = fakeProcess({ DYNAUTH_CLOUD: 'mars' });
  assert.equal(await main(['init'], proc), 2);
  assert.match(proc.err(), /DYNAUTH_CLOUD=mars is not one of/);
});

test('without a terminal, init lists every missing answer in one usage error', async () => {
  const proc = fakeProcess({ NO_COLOR: '1' });
  assert.equal(await main(['init'], proc), 2);
  const err = proc.err();
  assert.match(err, /--environment/);
  assert.match(err, /--role-preset/);
  assert.match(err, /--yes/);
  assert.equal(proc.out(), '', 'nothing on stdout');
});

test('bad input is refused before anything remote: expiry, app name, tenant, profile', async () => {
  const base = ['init', '--environment', 'x', '--role-preset', 'read-only', '--yes'];
  const cases: Array<[string[], RegExp]> = [
    [['--secret-expiry', '800d'], /730 days/],
    [['--secret-expiry', '0'], /not in the future/],
    [['--app-name', 'a'.repeat(121)], /at most 120/],
    [['--tenant', 'not a tenant'], /neither a tenant id/],
    [['--profile', '../etc/passwd'], /not safe as a file name/],
    [['--environment', 'https://contoso.crm.dynamics.cn'], /not a Dataverse host of the public cloud/],
  ];
  for (const [extra, message] of cases) {
    const proc = fakeProcess({ NO_COLOR: '1' });
    assert.equal(await main([...base, ...extra], proc), 2, extra.join(' '));
    assert.match(proc.err(), message);
  }
});

test('--version and --help load none of the heavy modules', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dynauth-imports-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const args of [
    ['--version'],
    ['--help'],
    ['init', '--help'],
    ['token', '--help'],
    ['api', '--help'],
    ['remove', '--help'],
    ['export', '--help'],
  ]) {
    const record = join(dir, `${args.join('-')}.txt`);
    writeFileSync(record, '');
    const result = spawnSync(process.execPath, ['--import', new URL('../support/record-imports.mjs', import.meta.url).href, bin, ...args], {
      env: { ...process.env, RECORD_IMPORTS_FILE: record },
      encoding: 'utf8',
    });
    assert.equal(result.status, 0, result.stderr);
    const loaded = readFileSync(record, 'utf8');
    for (const heavy of [
      '@azure/identity',
      '@azure/msal',
      'microsoft-graph-client',
      '@napi-rs/keyring',
      '@inquirer',
      'src/http/',
      'src/clients/',
      'src/emulator/',
    ]) {
      assert.ok(!loaded.includes(heavy), `${args.join(' ')} loaded ${heavy}`);
    }
  }
});

test('colour follows FORCE_COLOR, and NO_COLOR or --no-color turn it off', async () => {
  const missing = ['init', '--tenant', 'bad tenant'];
  const coloured = fakeProcess({ FORCE_COLOR: '1' });
  assert.equal(await main(missing, coloured), 2);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ESC [ begins the colour sequence under test
  assert.match(coloured.err(), /\u001b\[/);
  for (const [env, extra] of [
    [{ FORCE_COLOR: '1', NO_COLOR: '1' }, []],
    [{ FORCE_COLOR: '1' }, ['--no-color']],
  ] as const) {
    const proc = fakeProcess({ ...env });
    assert.equal(await main([...missing, ...extra], proc), 2);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: ESC [ begins the colour sequence under test
    assert.doesNotMatch(proc.err(), /\u001b\[/);
  }
});

test('a value typed after a switch or glued to an unknown flag is never echoed', async () => {
  for (const args of [
    ['init', '--passphrase', 'hunter2hunter2'],
    ['init', '--client-secret=abcSECRETxyz'],
    ['export', 'hunter2hunter2'],
  ]) {
    const proc = fakeProcess({ NO_COLOR: '1' });
    assert.equal(await main(args, proc), 2, args.join(' '));
    assert.ok(proc.err().length > 0);
    assert.doesNotMatch(proc.err() + proc.out(), /hunter2hunter2|abcSECRETxyz/);
  }
});

test('secrets from the environment are scrubbed from every message, human or --json', async () => {
  for (const extra of [[], ['--json']]) {
    const proc = fakeProcess({ NO_COLOR: '1', AZURE_CLIENT_SECRET: 'correct-horse-battery' });
    assert.equal(await main(['init', '--tenant', 'correct-horse-battery', ...extra], proc), 2);
    assert.match(proc.err(), /--tenant "\[redacted\]" is neither/);
    assert.doesNotMatch(proc.err() + proc.out(), /correct-horse-battery/);
  }
});

test('a short passphrase is never used to blank output (it would mangle it and give itself away)', async () => {
  const proc = fakeProcess({ NO_COLOR: '1', DYNAUTH_PASSPHRASE: 'pp' });
  assert.equal(await main(['init', '--tenant', 'not a tenant', '--json'], proc), 2);
  assert.doesNotMatch(proc.err() + proc.out(), /\[redacted\]/);
});

test("every command's --help description fits in 80 columns, so commander never breaks a line of it (an example cut mid-command)", () => {
  const program = buildProgram(() => async () => {}, fakeProcess());
  for (const command of program.commands)
    for (const line of command.description().split('\n'))
      assert.ok(line.length <= 80, `dynauth ${command.name()} --help: ${line.length} columns: ${line}`);
});
