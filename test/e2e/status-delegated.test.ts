// status for delegated profiles: the flow, the user, the refresh token's health (last redeemed, days
// left of the 90-day inactivity window, counted by --warn-days like a credential's expiry) and the
// client secret's expiry, or "no secret" for a public client; --json carries the same.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startSandbox } from '../support/sandbox.ts';
import { assertNoDelegatedSecretLeaked, seedDelegatedProfile } from './delegated-fixtures.ts';

interface Row {
  profile: string;
  credential?: { type: string; daysLeft: number };
  keychainItem: string;
  delegated?: { publicClient: boolean; user?: string; refreshToken: { lastRedeemedOn?: string; daysLeft?: number } };
  check?: { ok: boolean };
}

test('status shows whom a delegated profile acts as and how long its refresh token lives unused; --warn-days counts it', async (t) => {
  const sandbox = await startSandbox(t);
  const contact = await seedDelegatedProfile(sandbox, { name: 'contact', lastRedeemedDaysAgo: 80, secretExpiresInDays: 170 });
  const sync = await seedDelegatedProfile(sandbox, { name: 'sync', publicClient: true, lastRedeemedDaysAgo: 10 });

  const json = await sandbox.run(['status', '--json', '--warn-days', '14']);
  assert.equal(json.code, 3, `a refresh token dying within 14 days exits 3: ${json.stderr}`);
  const result = JSON.parse(json.stdout) as { profiles: Row[]; expiring: string[] };
  assert.deepEqual(result.expiring, ['contact'], 'only the refresh token within the window counts (the secret has 170 days)');
  const rows = Object.fromEntries(result.profiles.map((row) => [row.profile, row]));
  assert.equal(rows.contact?.delegated?.refreshToken.daysLeft, 10);
  assert.equal(rows.contact?.delegated?.publicClient, false);
  assert.equal(rows.contact?.delegated?.user, contact.user.userPrincipalName);
  assert.equal(rows.contact?.credential?.type, 'secret', 'a confidential app shows its secret');
  assert.equal(rows.contact?.credential?.daysLeft, 170);
  assert.equal(rows.sync?.delegated?.refreshToken.daysLeft, 80);
  assert.equal(rows.sync?.delegated?.publicClient, true);
  assert.equal(rows.sync?.credential, undefined, 'a public client has no secret');
  assert.equal(rows.contact?.keychainItem, 'present');
  assert.equal(rows.sync?.keychainItem, 'present', 'a public client needs only its refresh token item');
  assert.match(json.stderr, /refresh token of contact dies unused in 10 days .*dynauth test-connection --profile contact/);
  assert.doesNotMatch(json.stderr, /refresh token of sync/);

  const human = await sandbox.run(['status', '--warn-days', '14']);
  assert.equal(human.code, 3);
  assert.match(human.stdout, /^sync\s.*\sno secret\s/m);
  assert.match(
    human.stdout,
    new RegExp(
      `! contact: delegated as ${contact.user.userPrincipalName.replace('.', '\\.')}; refresh token last redeemed .* dies unused in 10 days`,
    ),
  );
  assert.match(human.stdout, /sync: delegated \(public client, no secret\) as .*dies unused in 80 days/);

  const quiet = await sandbox.run(['status', '--warn-days', '5']);
  assert.equal(quiet.code, 0, quiet.stderr);

  // --check redeems both (the stored tokens rotate), and the window starts again.
  const checked = await sandbox.run(['status', '--check', '--json']);
  assert.equal(checked.code, 0, checked.stderr);
  const after = JSON.parse(checked.stdout) as { profiles: Row[] };
  assert.ok(
    after.profiles.every((row) => row.check?.ok),
    checked.stdout,
  );
  const again = JSON.parse((await sandbox.run(['status', '--json'])).stdout) as { profiles: Row[] };
  assert.deepEqual(
    again.profiles.map((row) => row.delegated?.refreshToken.daysLeft),
    [90, 90],
  );
  await assertNoDelegatedSecretLeaked(sandbox, [contact, sync], ['contact', 'sync']);
});

test('a refresh token past its 90 days shows as expired, and a missing refresh token item as MISSING', async (t) => {
  const sandbox = await startSandbox(t);
  await seedDelegatedProfile(sandbox, { name: 'old', lastRedeemedDaysAgo: 95 });
  await seedDelegatedProfile(sandbox, { name: 'lost', publicClient: true });
  const { vault } = await sandbox.storage();
  await vault.deleteSlot('lost', 'refresh');
  const run = await sandbox.run(['status', '--warn-days', '30']);
  assert.equal(run.code, 3, run.stderr);
  assert.match(run.stdout, /✖ old: delegated as .*refresh token unused since .*expired after 90 days unused/);
  assert.match(run.stderr, /refresh token of old has not been redeemed since .*dynauth init --flow delegated --profile old/);
  assert.match(run.stdout, /^lost\s.*MISSING/m);
});
