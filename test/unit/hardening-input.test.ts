// Bad input that must still end well (issue 14): bounded durations, a redactor that copes with
// any secret, names without control characters, one passphrase rule, output files that are
// regular files, and a cloud config whose every field has a sane length and shape.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynauthError, ExitCode, UsageError } from '../../src/cli/errors.ts';
import { formatError } from '../../src/cli/format-error.ts';
import { createUi } from '../../src/cli/ui.ts';
import { parseCustomCloud } from '../../src/clouds.ts';
import { validateAppName, validatePlainName } from '../../src/cli/flags/validate.ts';
import { createRedactor } from '../../src/secrets/redact.ts';
import { passphraseProblem } from '../../src/secrets/passphrase.ts';
import { MAX_DATE_SPAN_MS, MAX_WAIT_MS, parseDuration, parseLifetimeDays } from '../../src/util/duration.ts';
import { assertWritableFile, writeOutputFile } from '../../src/util/output-file.ts';
import { PassThrough } from 'node:stream';
import { hostileCases } from '../support/hostile.ts';

const usage = (pattern: RegExp) => (error: unknown) =>
  error instanceof UsageError && error.exitCode === ExitCode.usage && pattern.test(error.message);

const DURATIONS: Array<{ name: string; text: string; max?: number; error: RegExp }> = [
  { name: 'twenty nines (Node would warn TimeoutOverflowWarning)', text: '99999999999999999999', error: /too long: give at most 1 day/ },
  { name: 'a thousand digits', text: '9'.repeat(1000), error: /too long/ },
  { name: 'just past a day', text: '1441m', error: /too long/ },
  { name: 'weeks for a timer', text: '4w', error: /too long/ },
  { name: 'a fraction with many digits past the limit', text: '86400.5', error: /too long/ },
  { name: 'past two years for a date span', text: '731d', max: MAX_DATE_SPAN_MS, error: /at most 730 days/ },
  { name: 'an exponent', text: '1e9', error: /is not a duration/ },
  { name: 'a negative', text: '-5s', error: /is not a duration/ },
  { name: 'Infinity', text: 'Infinity', error: /is not a duration/ },
  { name: 'a control character', text: '5s\u001b[2J', error: /is not a duration/ },
];

for (const c of hostileCases('input-duration', DURATIONS)) {
  test(`a duration flag refuses ${c.name} with a usage error`, () => {
    assert.throws(() => parseDuration(c.text, '--timeout', c.max), usage(c.error));
  });
}

test('durations up to the bound are kept exactly', () => {
  assert.equal(parseDuration('24h', '--wait'), MAX_WAIT_MS);
  assert.equal(parseDuration('86400', '--timeout'), MAX_WAIT_MS);
  assert.equal(parseDuration('730d', '--revoke-after', MAX_DATE_SPAN_MS), MAX_DATE_SPAN_MS);
  assert.ok(MAX_WAIT_MS < 2 ** 31 - 1, 'every --wait and --timeout fits a Node timer');
  assert.throws(() => parseLifetimeDays('99999999999999999999y', '--secret-expiry'), usage(/far too long/));
  assert.equal(parseLifetimeDays('2y', '--secret-expiry'), 730);
});

test('a duration quoted in an error is cut and loses its control characters', () => {
  assert.throws(
    () => parseDuration(`x${'y'.repeat(5000)}`, '--wait'),
    (error: unknown) => error instanceof UsageError && error.message.length < 200,
  );
});

const SECRETS: Array<{ name: string; secret: () => string }> = [
  { name: '1 MiB of random bytes read as text', secret: () => randomBytes(1024 * 1024).toString('utf8') },
  { name: '300 KB of printable noise', secret: () => randomBytes(225 * 1024).toString('base64') },
  { name: 'regular-expression characters', secret: () => '(a+)+$[^]{1,}\\1|*?'.repeat(50) },
  { name: 'a lone surrogate', secret: () => `abcdefghijkl\ud800mnop` },
];

for (const c of hostileCases('input-secret', SECRETS)) {
  test(`the redactor hides a secret of ${c.name} in every form, without a giant regular expression`, () => {
    const secret = c.secret();
    const redactor = createRedactor();
    redactor.add(secret);
    const forms = [secret, new URLSearchParams({ s: secret }).toString().slice(2), JSON.stringify(secret).slice(1, -1)];
    const text = forms.map((form) => `before ${form} after`).join('\n');
    const result = redactor.redact(text);
    assert.equal(result, forms.map(() => 'before [redacted] after').join('\n'));
  });
}

const NAMES: Array<{ name: string; value: string }> = [
  { name: 'a newline ("Approved by Microsoft" on a line of its own)', value: 'dynauth\nApproved by Microsoft' },
  { name: 'a right-to-left override', value: 'dynauth-\u202etxt.exe' },
  { name: 'an escape sequence', value: 'dynauth\u001b]0;pwned\u0007' },
  { name: 'a carriage return', value: 'dynauth\rMicrosoft' },
  { name: 'a tab', value: 'dynauth\tx' },
  { name: 'a C1 control', value: 'dynauth\u0085x' },
  { name: 'a left-to-right isolate', value: 'dynauth\u2066x\u2069' },
  { name: 'a NUL', value: 'dynauth\u0000' },
];

for (const c of hostileCases('input-name', NAMES)) {
  test(`--app-name with ${c.name} is refused (exit 2) without repeating it`, () => {
    assert.throws(
      () => validateAppName(c.value),
      (error: unknown) =>
        usage(/--app-name holds a control or bidirectional-override character \(U\+[0-9A-F]{4} at position \d+\)/)(error) &&
        !(error as Error).message.includes(c.value),
    );
    assert.throws(() => validatePlainName(c.value, '--role'), usage(/--role holds a control/));
  });
}

test('names in any script, with accents and punctuation, are accepted', () => {
  for (const name of ['dynauth-contoso', 'Ünïcödé app (prod)', 'تطبيق dynauth', 'אפליקציה', '日本語のアプリ']) {
    assert.doesNotThrow(() => validateAppName(name), name);
  }
});

test('one passphrase rule for the prompt and DYNAUTH_PASSPHRASE: at least 8 characters', () => {
  for (const weak of ['x', 'pp', '1234567', '🔑🔑🔑🔑']) assert.equal(passphraseProblem(weak), 'at least 8 characters', weak);
  for (const fine of ['12345678', 'correct horse battery', '🔑🔑🔑🔑🔑🔑🔑🔑']) assert.equal(passphraseProblem(fine), undefined, fine);
});

test('an output file that exists and is not a regular file is refused before anything is done', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'dynauth-output-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const fifo = join(dir, 'pipe');
  execFileSync('mkfifo', [fifo]);
  const socketPath = join(dir, 'socket');
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  t.after(() => server.close());
  const cases = hostileCases('input-output-file', [
    { path: '/dev/null', kind: /is a character device, not a regular file/ },
    { path: '/dev/full', kind: /is a character device/ },
    { path: fifo, kind: /is a FIFO \(named pipe\)/ },
    { path: socketPath, kind: /is a socket/ },
    { path: dir, kind: /is a directory; give a file name/ },
  ]);
  for (const { path, kind } of cases) assert.throws(() => assertWritableFile(path, '--certificate-out'), usage(kind), path);
  assert.ok((await stat('/dev/null')).isCharacterDevice(), '/dev/null is still the device');
  assert.doesNotThrow(() => assertWritableFile(join(dir, 'new.pem'), '--certificate-out'));
});

test('a FIFO put in place after the check is refused at the write, never waited on', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'dynauth-output-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const fifo = join(dir, 'calendar.ics');
  execFileSync('mkfifo', [fifo]);
  await assert.rejects(
    writeOutputFile(fifo, 'BEGIN:VCALENDAR', '--ics'),
    (error: unknown) => error instanceof DynauthError && /calendar\.ics/.test(error.message),
  );
});

test('a write failure (a full disk) is an ordinary error naming the file and the flag, exit 1', async () => {
  const full = async () => {
    throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', syscall: 'write' });
  };
  await assert.rejects(
    writeOutputFile('/tmp/x.ics', 'data', '--ics', full),
    (error: unknown) =>
      error instanceof DynauthError &&
      error.exitCode === ExitCode.failure &&
      error.message === 'Cannot write /tmp/x.ics (--ics): no space is left on the device (ENOSPC).',
  );
});

test('a file-system error that names no file is still an ordinary failure, never "Unexpected error"', () => {
  const stderr = new PassThrough();
  let err = '';
  stderr.on('data', (chunk) => (err += chunk));
  const globals = { color: false, quiet: false, json: false, verbose: false, cloud: 'public', cloudConfig: undefined };
  const ui = createUi({ stdout: new PassThrough(), stderr }, globals);
  const code = formatError(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', syscall: 'write' }), {
    ui,
    globals,
  });
  assert.equal(code, ExitCode.failure);
  assert.match(err, /A file could not be used: no space is left on the device \(ENOSPC\)\./);
  assert.doesNotMatch(err, /Unexpected/);
});

test('an unexpected error quotes at most 500 characters, cut only after the redactor ran', () => {
  const stderr = new PassThrough();
  let err = '';
  stderr.on('data', (chunk) => (err += chunk));
  const globals = { color: false, quiet: false, json: false, verbose: false, cloud: 'public', cloudConfig: undefined };
  const redactor = createRedactor();
  const secret = `${'S'.repeat(495)}ecret-tail-0123456789`;
  redactor.add(secret);
  const ui = createUi({ stdout: new PassThrough(), stderr }, globals, (text) => redactor.redact(text));
  formatError(new Error(`boom ${secret} ${'x'.repeat(300_000)}`), { ui, globals, redactor });
  assert.ok(err.length < 1000, `${err.length} characters`);
  assert.doesNotMatch(err, /SSSSSSSSSSSS/);
  assert.match(err, /boom \[redacted\] x+… \(\d+ characters\)/);
});

const base = {
  authorityHost: 'https://login.contoso.example',
  graphEndpoint: 'https://graph.contoso.example',
  graphScope: 'https://graph.contoso.example/.default',
  powerPlatformEndpoint: 'https://api.bap.contoso.example',
  powerPlatformScope: 'https://service.powerapps.contoso.example/.default',
  dataverseHostSuffixes: ['crm.contoso.example'],
};

const CLOUD_CONFIGS: Array<{ name: string; config: Record<string, unknown>; error: RegExp }> = [
  {
    name: 'a 1 MB host name',
    config: { ...base, authorityHost: `https://${'a'.repeat(1_000_000)}.example` },
    error: /\d+ characters; a cloud config is a few hundred/,
  },
  {
    name: 'a 10 KB host name',
    config: { ...base, authorityHost: `https://${'a'.repeat(10_000)}.example` },
    error: /"authorityHost" is \d+ characters; a URL has at most 2048/,
  },
  {
    name: 'a 300-character host name',
    config: { ...base, graphEndpoint: `https://${'abcdefghij.'.repeat(27)}example` },
    error: /"graphEndpoint" has a bad host name: \d+ characters, more than the 253/,
  },
  {
    name: 'a 64-character label',
    config: { ...base, graphEndpoint: `https://${'a'.repeat(64)}.example` },
    error: /"graphEndpoint" has a bad host name: each dot-separated label/,
  },
  {
    name: 'credentials in a URL',
    config: { ...base, authorityHost: 'https://user:pass@login.contoso.example' },
    error: /"authorityHost" must be a plain https:\/\/ URL/,
  },
  {
    name: 'a query string',
    config: { ...base, powerPlatformEndpoint: 'https://api.bap.contoso.example/?x=1' },
    error: /"powerPlatformEndpoint" must be a plain/,
  },
  { name: 'a fragment', config: { ...base, graphEndpoint: 'https://graph.contoso.example/#x' }, error: /"graphEndpoint" must be a plain/ },
  {
    name: 'a host with an underscore',
    config: { ...base, graphEndpoint: 'https://gr_aph.contoso.example' },
    error: /"graphEndpoint" has a bad host name/,
  },
  {
    name: 'a 10 KB Dataverse suffix',
    config: { ...base, dataverseHostSuffixes: [`${'a'.repeat(10_000)}.example`] },
    error: /"dataverseHostSuffixes" entry 1: \d+ characters, more than the 253/,
  },
  {
    name: 'a thousand suffixes',
    config: { ...base, dataverseHostSuffixes: Array.from({ length: 1000 }, (_, i) => `c${i}.x.example`) },
    error: /lists 1000 suffixes; at most 50/,
  },
  {
    name: 'a single-label suffix (every .com host)',
    config: { ...base, dataverseHostSuffixes: ['com'] },
    error: /entry 1 is a single label/,
  },
  {
    name: 'an empty label in a suffix',
    config: { ...base, dataverseHostSuffixes: ['crm..contoso.example'] },
    error: /entry 1: each dot-separated label/,
  },
  {
    name: 'a suffix label starting with a hyphen',
    config: { ...base, dataverseHostSuffixes: ['-crm.contoso.example'] },
    error: /entry 1: each dot-separated label/,
  },
  {
    name: 'a URL of 3000 characters',
    config: { ...base, graphEndpoint: `https://graph.contoso.example/${'p'.repeat(3000)}` },
    error: /"graphEndpoint" is \d+ characters/,
  },
];

for (const c of hostileCases('input-cloud-config', CLOUD_CONFIGS)) {
  test(`--cloud-config with ${c.name} is refused, naming the key and not quoting the value`, () => {
    assert.throws(
      () => parseCustomCloud(JSON.stringify(c.config), 'c.json'),
      (error: unknown) => usage(c.error)(error) && (error as Error).message.length < 300,
    );
  });
}

test('a cloud config text of more than 64 KiB is refused before it is parsed', () => {
  assert.throws(() => parseCustomCloud(' '.repeat(70_000), 'c.json'), usage(/a cloud config is a few hundred/));
});

test('a sane private cloud (host names, an IP address, a port, a path) is still accepted', () => {
  const cloud = parseCustomCloud(
    JSON.stringify({
      ...base,
      authorityHost: 'https://127.0.0.1:4001',
      graphEndpoint: 'https://graph.contoso.example/v1',
      dataverseHostSuffixes: ['127.0.0.1', '.crm.contoso.example'],
    }),
    'c.json',
  );
  assert.deepEqual(cloud.dataverseHostSuffixes, ['127.0.0.1', 'crm.contoso.example']);
});
