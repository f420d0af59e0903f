// Shared by the rotate-secret e2e tests: an initialised sandbox, the checks that a working
// credential is stored, and the step × failure matrix of the fault tests.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { chmodSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import type { FaultRule } from '../../src/emulator/fault-rules.ts';
import type { RecordedRequest } from '../../src/emulator/types.ts';
import { startSandbox, type Sandbox } from '../support/sandbox.ts';

export const INIT = ['init', '--yes', '--environment', 'contososales', '--role-preset', 'read-only'];
export const APP = 'dynauth-contososales';

export function appOf(sandbox: Sandbox, name = APP) {
  return sandbox.emulator.state.applications.find((app) => app.displayName === name)!;
}

export async function initialised(t: TestContext, extra: string[] = [], store?: 'file') {
  const sandbox = await startSandbox(t, {}, store ? { store } : {});
  const init = await sandbox.run([...INIT, ...extra]);
  assert.equal(init.code, 0, init.stderr);
  const oldKeyId = appOf(sandbox).passwordCredentials[0]?.keyId ?? appOf(sandbox).keyCredentials[0]?.keyId;
  return { sandbox, oldKeyId: oldKeyId! };
}

/** The key on the app whose secret the keychain holds for the profile ("current" slot). */
export async function storedKeyId(sandbox: Sandbox): Promise<string | undefined> {
  const [secret] = await sandbox.storedSecrets();
  const hash = createHash('sha256').update(secret!).digest('hex');
  return appOf(sandbox).passwordCredentials.find((c) => c.secretHash === hash)?.keyId;
}

/** test-connection passes with what the keychain holds, and that is a secret the app accepts. */
export async function assertStillWorks(sandbox: Sandbox) {
  assert.ok(await storedKeyId(sandbox), 'the keychain holds a secret that is on the app');
  const tested = await sandbox.run(['test-connection', '--profile', 'contososales']);
  assert.equal(tested.code, 0, tested.stdout + tested.stderr);
}

/** The stored secret is exactly the profile's key on the app, and test-connection passes with it. */
export async function assertStoredSecretWorks(sandbox: Sandbox) {
  const { profiles } = await sandbox.storage();
  const profile = (await profiles.read('contososales'))!;
  assert.equal(await storedKeyId(sandbox), profile.credential!.keyId, 'the keychain holds the profile key');
  await assertStillWorks(sandbox);
  return profile;
}

/** A re-run left exactly one secret, the new one, stored and in the profile, with nothing pending. */
export async function assertFinished(sandbox: Sandbox, oldKeyId: string) {
  const app = appOf(sandbox);
  assert.equal(app.passwordCredentials.length, 1, `exactly one secret: ${app.passwordCredentials.map((c) => c.displayName).join(', ')}`);
  assert.notEqual(app.passwordCredentials[0]!.keyId, oldKeyId);
  const profile = await assertStoredSecretWorks(sandbox);
  assert.equal(profile.rotation, undefined);
  assert.deepEqual(profile.pendingRevocation ?? [], []);
  await sandbox.assertNoSecretLeaked();
}

/** Runs `action` synchronously as the emulator records a request like this (just after answering it), once. */
export function whenAnswered(sandbox: Sandbox, predicate: (r: RecordedRequest) => boolean, action: () => void): void {
  const requests = sandbox.emulator.requests;
  const push = requests.push.bind(requests);
  let fired = false;
  requests.push = (...items: RecordedRequest[]) => {
    const length = push(...items);
    if (!fired && items.some(predicate)) {
      fired = true;
      action();
    }
    return length;
  };
}

/**
 * Makes the encrypted file store's directory refuse new files, for real: read-only, and for root
 * (whom modes do not stop) immutable too. Reads keep working. Returns the undo, or a reason it
 * cannot be done here.
 */
export function refuseStoreWrites(sandbox: Sandbox): { undo: () => void } | { unsupported: string } {
  const directory = join(sandbox.env.DYNAUTH_CONFIG_DIR!, 'encrypted');
  const root = process.getuid?.() === 0;
  const undo = () => {
    if (root) spawnSync('chattr', ['-i', directory]);
    chmodSync(directory, 0o700);
  };
  chmodSync(directory, 0o500);
  if (root) spawnSync('chattr', ['+i', directory]);
  const probe = join(directory, 'probe');
  try {
    writeFileSync(probe, 'x');
    rmSync(probe);
    undo();
    return { unsupported: 'neither the mode nor chattr +i stops writes to the store directory here' };
  } catch {
    return { undo };
  }
}

export type StepName = 'addPassword' | 'token with the new secret' | 'WhoAmI as the app' | 'removePassword';
export type FailureKind = 'network loss' | '503 beyond retries' | 'kill -9' | 'keychain write failure';

const isAppRead = (r: RecordedRequest) => r.service === 'graph' && r.method === 'GET' && r.path.startsWith('/v1.0/applications/');
const isAddPassword = (r: RecordedRequest) => r.method === 'POST' && r.path.endsWith('/addPassword');
const isAppToken = (r: RecordedRequest) =>
  r.service === 'login' && r.status === 200 && (r.body as { grant_type?: string } | undefined)?.grant_type === 'client_credentials';
const isAppWhoAmI = (r: RecordedRequest) => r.service === 'dataverse' && r.path.endsWith('/WhoAmI') && !r.token?.scp && r.status === 200;
const isRemovePassword = (r: RecordedRequest) => r.method === 'POST' && r.path.endsWith('/removePassword');

export interface Step {
  name: StepName;
  /** Where the step's calls go: network faults are armed on this target. */
  target: Omit<Extract<FaultRule, { kind: 'drop' }>, 'kind' | 'times'>;
  /** Network faults are armed as this was answered (undefined: from the start), so the step's first call meets them. */
  armAfter?: (r: RecordedRequest) => boolean;
  /** The step's call has been answered. */
  done: (r: RecordedRequest) => boolean;
  /**
   * The store starts refusing writes as this is answered: the next write the CLI attempts after
   * the step fails. The emulator answers the step's call only after that, so there is no race.
   */
  refuseStoreAfter: (r: RecordedRequest) => boolean;
}

export const STEPS: Step[] = [
  {
    name: 'addPassword',
    target: { service: 'graph', method: 'POST', pathPrefix: '/v1.0/applications/' },
    done: isAddPassword,
    refuseStoreAfter: isAppRead,
  },
  {
    name: 'token with the new secret',
    target: { service: 'login', method: 'POST' },
    armAfter: isAddPassword,
    done: isAppToken,
    refuseStoreAfter: isAppToken,
  },
  {
    name: 'WhoAmI as the app',
    target: { service: 'dataverse', pathPrefix: '/api/data/v9.2/WhoAmI' },
    armAfter: isAppToken,
    done: isAppWhoAmI,
    refuseStoreAfter: isAppWhoAmI,
  },
  {
    name: 'removePassword',
    target: { service: 'graph', method: 'POST', pathPrefix: '/v1.0/applications/' },
    armAfter: isAppWhoAmI,
    done: isRemovePassword,
    refuseStoreAfter: isRemovePassword,
  },
];

/**
 * One cell of the matrix: inject the failure at the step of a `rotate-secret --revoke-old`, then
 * test-connection passes, and a re-run finishes with exactly the new secret on the app.
 */
export async function failAtStep(t: TestContext, step: Step, failure: FailureKind): Promise<void> {
  const { sandbox, oldKeyId } = await initialised(t, [], failure === 'keychain write failure' ? 'file' : undefined);
  const args = ['rotate-secret', '--revoke-old', '--wait', '2s', '--yes'];
  let undoStore: (() => void) | undefined;
  let unsupported: string | undefined;
  if (failure === 'network loss' || failure === '503 beyond retries') {
    const rule: FaultRule =
      failure === 'network loss'
        ? { ...step.target, kind: 'drop', times: 1000 }
        : { ...step.target, kind: 'unavailable', times: 1000, retryAfterSeconds: 0 };
    if (step.armAfter) whenAnswered(sandbox, step.armAfter, () => sandbox.emulator.faults.add(rule));
    else sandbox.emulator.faults.add(rule);
  }
  if (failure === 'keychain write failure') {
    whenAnswered(sandbox, step.refuseStoreAfter, () => {
      const refused = refuseStoreWrites(sandbox);
      if ('undo' in refused) undoStore = refused.undo;
      else unsupported = refused.unsupported;
    });
  }
  const failed = await (failure === 'kill -9' ? sandbox.run(args, { killAfterRequest: step.done }) : sandbox.run(args)).finally(() =>
    undoStore?.(),
  );
  sandbox.emulator.faults.clear();
  if (unsupported) return t.skip(unsupported);
  if (failure === 'kill -9') {
    if (failed.signal !== 'SIGKILL') assert.equal(failed.code, 0, failed.stderr);
  } else {
    assert.doesNotMatch(failed.stderr, /\n\s+at /, 'no stack trace');
    // Only a store that fails after the last revocation lets the run finish.
    if (!(failure === 'keychain write failure' && step.name === 'removePassword')) assert.notEqual(failed.code, 0, failed.stderr);
    if (failure === 'keychain write failure' && step.name !== 'removePassword')
      assert.match(failed.stderr, /Could not write the credential file/);
  }
  if (failure === 'network loss' || failure === '503 beyond retries') {
    const status = failure === 'network loss' ? 0 : 503;
    assert.ok(
      sandbox.emulator.requests.some((r) => r.status === status),
      `the ${failure} met the ${step.name} step`,
    );
  }
  if (failure === 'keychain write failure') assert.ok(undoStore, `the store refused writes from the ${step.name} step`);
  await assertStillWorks(sandbox);
  const rerun = await sandbox.run(['rotate-secret', '--revoke-old', '--json', '--yes']);
  assert.equal(rerun.code, 0, rerun.stderr);
  await assertFinished(sandbox, oldKeyId);
}
