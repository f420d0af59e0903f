// The package as `npm pack` ships it: the bundled dist/ beside bin/, no src/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { publishedLayout, removePublishedLayout } from '../support/published-layout.ts';
import { startSandbox } from '../support/sandbox.ts';

const bin = publishedLayout();
const packageVersion = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version as string;
const root = dirname(dirname(bin));
test.after(() => removePublishedLayout(bin));

test('the published layout runs from dist/ alone', () => {
  assert.equal(existsSync(join(root, 'src')), false);
  const chunks = readdirSync(join(root, 'dist'));
  assert.ok(chunks.includes('main.cjs') && chunks.includes('keyring-worker.cjs'), chunks.join(' '));
  assert.ok(
    chunks.every((name) => name.endsWith('.cjs')),
    'only CommonJS chunks in dist/',
  );
  assert.deepEqual(
    readdirSync(join(root, 'node_modules')),
    ['@napi-rs'],
    'only the runtime dependency (the keyring) is installed beside the bundle',
  );
  const notices = readFileSync(join(root, 'THIRD_PARTY_NOTICES'), 'utf8');
  for (const bundled of [
    '@azure/identity',
    '@azure/msal-node',
    '@microsoft/microsoft-graph-client',
    'commander',
    '@inquirer/core',
    'chalk',
  ]) {
    assert.match(notices, new RegExp(`^${bundled.replace('/', '\\/')} \\d+\\.\\d+\\.\\d+ \\(MIT\\)$`, 'm'), `${bundled}'s licence notice`);
  }
});

test('published: --version and --help', async (t) => {
  const sandbox = await startSandbox(t);
  const version = await sandbox.run(['--version'], { bin });
  assert.equal(version.code, 0, version.stderr);
  assert.equal(version.stdout.trim(), JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version);
  const help = await sandbox.run(['init', '--help'], { bin });
  assert.equal(help.code, 0, help.stderr);
  assert.match(help.stdout, /--role-preset/);
  const caches = join(
    sandbox.env.HOME!,
    '.cache',
    'dynauth',
    'code-cache',
    `${packageVersion}-node${process.versions.node}-${process.arch}`,
  );
  assert.equal(existsSync(caches), false, 'a help screen keeps no code cache');
});

test('published: code caches are kept after a successful run and used by the next one', async (t) => {
  const sandbox = await startSandbox(t);
  const caches = join(
    sandbox.env.HOME!,
    '.cache',
    'dynauth',
    'code-cache',
    `${packageVersion}-node${process.versions.node}-${process.arch}`,
  );
  const mistake = await sandbox.run(['status', '--bogus'], { bin });
  assert.equal(mistake.code, 2, mistake.stderr);
  // NODE_DISABLE_COMPILE_CACHE turns dynauth's code caches off, as it does Node's own.
  const uncached = await sandbox.run(['status'], { bin, env: { NODE_DISABLE_COMPILE_CACHE: '1' } });
  assert.equal(uncached.code, 0, uncached.stderr);
  assert.equal(existsSync(caches), false, 'neither a usage error nor NODE_DISABLE_COMPILE_CACHE=1 wrote a cache');
  const first = await sandbox.run(['status'], { bin });
  assert.equal(first.code, 0, first.stderr);
  const written = () => readdirSync(join(caches, 'status')).map((name) => `${name} ${statSync(join(caches, 'status', name)).mtimeMs}`);
  const afterFirst = written();
  assert.ok(
    afterFirst.some((entry) => entry.startsWith('main.cjs.')),
    afterFirst.join(' '),
  );
  const second = await sandbox.run(['status'], { bin });
  assert.deepEqual([second.code, second.stdout, second.stderr], [first.code, first.stdout, first.stderr]);
  assert.deepEqual(written(), afterFirst, 'the second run read the caches and rewrote none');
});

test('published: init, test-connection and rotate-secret against the emulator, secret in the keychain worker', async (t) => {
  const sandbox = await startSandbox(t);
  const init = await sandbox.run(['init', '--yes', '--environment', 'contososales', '--role-preset', 'contact-center', '--json'], { bin });
  assert.equal(init.code, 0, init.stderr);
  const result = JSON.parse(init.stdout);
  assert.equal(result.profile, 'contososales');
  assert.deepEqual(await sandbox.storedSecrets().then((secrets) => secrets.length), 1);
  const check = await sandbox.run(['test-connection', '--profile', 'contososales'], { bin });
  assert.equal(check.code, 0, check.stderr);
  const rotate = await sandbox.run(['rotate-secret', '--profile', 'contososales', '--yes'], { bin });
  assert.equal(rotate.code, 0, rotate.stderr);
  // Each command wrote the code caches of the chunks it ran, under the user's cache directory.
  const caches = join(sandbox.env.HOME!, '.cache', 'dynauth', 'code-cache');
  const versions = readdirSync(caches);
  assert.deepEqual(versions, [`${packageVersion}-node${process.versions.node}-${process.arch}`]);
  assert.deepEqual(readdirSync(join(caches, versions[0]!)).sort(), ['init', 'rotate-secret', 'test-connection']);
  const initCaches = readdirSync(join(caches, versions[0]!, 'init'));
  // The entry and the sign-in chunk by name; the command's own chunks are named by whichever module
  // the bundler puts first in them, so they are counted rather than named.
  for (const chunk of ['main.cjs', 'identity-'])
    assert.ok(
      initCaches.some((name) => name.startsWith(chunk)),
      `${chunk} in ${initCaches.join(' ')}`,
    );
  assert.ok(initCaches.length >= 10, `init cached the chunks it ran: ${initCaches.join(' ')}`);
  await sandbox.assertNoSecretLeaked();
});

test('published: dynauth sandbox finds its own bin and runs the command against the built-in tenant', async (t) => {
  const sandbox = await startSandbox(t);
  const run = await sandbox.run(['sandbox', 'init', '--yes', '--environment', 'contosodev', '--role-preset', 'read-only', '--json'], {
    bin,
  });
  assert.equal(run.code, 0, run.stderr);
  assert.equal(JSON.parse(run.stdout).profile, 'contosodev');
});
