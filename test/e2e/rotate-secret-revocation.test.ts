// Issue 14: rotate-secret never revokes a credential it cannot prove is unused and its own. A profile
// that cannot be read might use the shared secret; a profile file edited to name another app, or a
// key dynauth did not make, is refused before anything is removed.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import type { Profile } from '../../src/profiles/profile.ts';
import type { Sandbox } from '../support/sandbox.ts';
import { startSandbox } from '../support/sandbox.ts';
import { hostileCases } from '../support/hostile.ts';
import { appOf } from './rotate-secret-support.ts';

const BOTH = ['init', '--yes', '--environment', 'contososales', '--environment', 'contosodev', '--role-preset', 'read-only'];
const removals = (sandbox: Sandbox, since: number) =>
  sandbox.emulator.requests.slice(since).filter((r) => r.method === 'POST' && r.path.endsWith('/removePassword'));

async function editProfile(sandbox: Sandbox, name: string, edit: (data: Profile) => void): Promise<void> {
  const { profiles } = await sandbox.storage();
  const file = profiles.fileFor(name);
  const data = JSON.parse(await readFile(file, 'utf8')) as Profile;
  edit(data);
  await writeFile(file, JSON.stringify(data, null, 2));
}

interface Unreadable {
  name: string;
  /** Makes the profile file unreadable; returns the undo. */
  spoil: (file: string, text: string) => Promise<void>;
}

// Each is a profile file dynauth cannot read, whoever runs it (root included).
const UNREADABLE: Unreadable[] = [
  { name: 'truncated JSON', spoil: (file, text) => writeFile(file, text.slice(0, text.length / 2)) },
  { name: "a newer dynauth's version", spoil: (file, text) => writeFile(file, text.replace('"version": 1', '"version": 2')) },
  {
    name: 'a directory in its place',
    spoil: async (file) => {
      await rm(file);
      await mkdir(file);
    },
  },
  { name: 'not an object', spoil: (file) => writeFile(file, '[]') },
];

for (const spoiled of hostileCases('data', UNREADABLE)) {
  test(`--revoke-old with the other profile sharing the secret unreadable (${spoiled.name}): not revoked, the profile named, exit 1`, async (t) => {
    const sandbox = await startSandbox(t);
    const init = await sandbox.run(BOTH);
    assert.equal(init.code, 0, init.stderr);
    const shared = appOf(sandbox).passwordCredentials[0]!.keyId;
    const { profiles } = await sandbox.storage();
    const file = profiles.fileFor('contosodev');
    const text = await readFile(file, 'utf8');
    await spoiled.spoil(file, text);
    const before = sandbox.emulator.requests.length;
    const run = await sandbox.run(['rotate-secret', '--profile', 'contososales', '--revoke-old', '--yes']);
    assert.equal(run.code, 1, run.stderr);
    assert.match(
      run.stderr,
      new RegExp(`Not revoking ${shared}: profile "contosodev" cannot be read, so dynauth cannot tell whether it uses that credential`),
    );
    assert.match(run.stderr, /then run dynauth rotate-secret --finish --profile contososales/);
    assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
    assert.deepEqual(removals(sandbox, before), [], 'nothing was revoked');
    assert.ok(
      appOf(sandbox).passwordCredentials.some((c) => c.keyId === shared),
      'the shared secret is still valid',
    );

    await rm(file, { recursive: true });
    await writeFile(file, text, { mode: 0o600 });
    const other = await sandbox.run(['test-connection', '--profile', 'contosodev']);
    assert.equal(other.code, 0, `the other profile still connects: ${other.stdout}${other.stderr}`);
    const finish = await sandbox.run(['rotate-secret', '--finish', '--profile', 'contososales', '--yes']);
    assert.equal(finish.code, 0, finish.stderr);
    assert.match(finish.stderr, new RegExp(`Credential ${shared} is still used by another profile of this app`));
    assert.ok(
      appOf(sandbox).passwordCredentials.some((c) => c.keyId === shared),
      'kept for the profile that uses it',
    );
    await sandbox.assertNoSecretLeaked();
  });
}

/** Two apps, each with a profile; contososales has rotated once, so its old secret is pending revocation. */
async function twoApps(t: TestContext) {
  const sandbox = await startSandbox(t);
  assert.equal((await sandbox.run(['init', '--yes', '--environment', 'contososales', '--role-preset', 'read-only'])).code, 0);
  const other = await sandbox.run([
    'init',
    '--yes',
    '--environment',
    'contosodev',
    '--role-preset',
    'read-only',
    '--app-name',
    'other-app',
    '--profile',
    'other',
  ]);
  assert.equal(other.code, 0, other.stderr);
  const rotated = await sandbox.run(['rotate-secret', '--profile', 'contososales']);
  assert.equal(rotated.code, 0, rotated.stderr);
  const otherApp = appOf(sandbox, 'other-app');
  const handMade = {
    keyId: randomUUID(),
    displayName: 'made by hand for the nightly export',
    hint: 'abc',
    startDateTime: new Date().toISOString(),
    endDateTime: new Date(Date.now() + 86_400_000 * 90).toISOString(),
    secretHash: 'by-hand',
    createdAt: Date.now(),
    visibleAt: 0,
  };
  (appOf(sandbox).passwordCredentials as unknown as Array<typeof handMade>).push(handMade);
  return { sandbox, otherApp, handMade };
}

interface Tampering {
  name: string;
  edit: (data: Profile, ctx: Awaited<ReturnType<typeof twoApps>>) => void;
  args: string[];
  /** What the refusal says, when the run is refused (a tampered rotation record is only never acted on). */
  refusal?: RegExp;
}

const TAMPERED: Tampering[] = [
  {
    name: 'object id of another app, its secret listed as pending',
    edit: (data, { otherApp }) => {
      data.applicationObjectId = otherApp.id;
      data.pendingRevocation![0]!.keyId = otherApp.passwordCredentials[0]!.keyId;
    },
    args: ['--finish'],
    refusal:
      /Profile "contososales" names app object id .*"other-app".*not the client id .* it records\. The profile file was edited or damaged; nothing was changed on either app\./,
  },
  {
    name: 'object id and client id of another app',
    edit: (data, { otherApp }) => {
      data.applicationObjectId = otherApp.id;
      data.clientId = otherApp.appId;
      data.pendingRevocation![0]!.keyId = otherApp.passwordCredentials[0]!.keyId;
    },
    args: ['--revoke-old'],
    refusal: /but its stored credential signs in as client id/,
  },
  {
    name: 'a secret made by hand listed as pending',
    edit: (data, { handMade }) => {
      data.pendingRevocation![0]!.keyId = handMade.keyId;
    },
    args: ['--finish'],
    refusal: /Not revoking .*\("made by hand for the nightly export"\) of app "dynauth-contososales": dynauth did not make it/,
  },
  {
    name: 'a rotation record with an empty marker whose next key is a secret made by hand',
    edit: (data, { handMade }) => {
      data.rotation = {
        marker: '',
        startedOn: new Date().toISOString(),
        replaces: { type: 'secret', keyId: data.credential!.keyId, expiresOn: data.credential!.expiresOn },
        next: { ...data.credential!, keyId: handMade.keyId },
      };
    },
    args: ['--finish'],
  },
];

for (const tampering of hostileCases('data', TAMPERED)) {
  test(`a profile file edited to name ${tampering.name}: no key of either app is revoked`, async (t) => {
    const ctx = await twoApps(t);
    const { sandbox, otherApp, handMade } = ctx;
    const otherKeys = otherApp.passwordCredentials.map((c) => c.keyId);
    const ownKeys = appOf(sandbox).passwordCredentials.map((c) => c.keyId);
    await editProfile(sandbox, 'contososales', (data) => tampering.edit(data, ctx));
    const before = sandbox.emulator.requests.length;
    const run = await sandbox.run(['rotate-secret', '--profile', 'contososales', ...tampering.args, '--yes']);
    if (tampering.refusal) {
      assert.equal(run.code, 1, run.stderr);
      assert.match(run.stderr, tampering.refusal);
      assert.deepEqual(removals(sandbox, before), [], 'nothing removed');
      assert.deepEqual(
        appOf(sandbox).passwordCredentials.map((c) => c.keyId),
        ownKeys,
        'nothing added either',
      );
    }
    assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
    assert.ok(
      !removals(sandbox, before).some((r) => [handMade.keyId, ...otherKeys].includes((r.body as { keyId: string }).keyId)),
      'no foreign key was removed',
    );
    assert.deepEqual(
      otherApp.passwordCredentials.map((c) => c.keyId),
      otherKeys,
      "the other app's secret is untouched",
    );
    assert.ok(
      appOf(sandbox).passwordCredentials.some((c) => c.keyId === handMade.keyId),
      'the secret made by hand is untouched',
    );
    const tested = await sandbox.run(['test-connection', '--profile', 'other']);
    assert.equal(tested.code, 0, tested.stdout + tested.stderr);
  });
}
