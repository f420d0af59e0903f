import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import tls from 'node:tls';
import { adminToken } from '../emulator/helpers.ts';
import { startSandbox, type Sandbox } from '../support/sandbox.ts';

const ARGS = ['init', '--yes', '--auth', 'azure-cli', '--environment', 'contososales', '--role-preset', 'read-only'];

/**
 * A fake `az` first on PATH: `az cloud show` names the given cloud, `az account get-access-token`
 * hands out the given tokens by --resource (else the error az prints when signed out), and every
 * call is logged.
 */
async function fakeAz(
  sandbox: Sandbox,
  cloud: { name: string; activeDirectory: string },
  tokens: Record<string, string> = {},
): Promise<{ env: Record<string, string>; calls: () => Promise<string[]> }> {
  const bin = join(sandbox.dir, 'fake-az');
  await mkdir(bin, { recursive: true });
  const log = join(bin, 'calls.log');
  const expiresOn = Math.floor(Date.now() / 1000) + 3000;
  const tokenCases = Object.entries(tokens)
    .map(
      ([resource, token]) =>
        `    '${resource}') printf '%s\\n' '${JSON.stringify({ accessToken: token, expires_on: expiresOn, tokenType: 'Bearer' })}' ;;`,
    )
    .join('\n');
  const script = `#!/bin/sh
echo "$*" >> '${log}'
case "$1 $2" in
  'cloud show') printf '%s\\n' '${JSON.stringify({ name: cloud.name, endpoints: { activeDirectory: cloud.activeDirectory } })}' ;;
  'account get-access-token')
    while [ $# -gt 0 ]; do [ "$1" = --resource ] && resource="$2"; shift; done
    case "$resource" in
${tokenCases}
    *) echo "ERROR: Please run 'az login' to setup account." >&2; exit 1 ;;
    esac ;;
  *) exit 2 ;;
esac
`;
  await writeFile(join(bin, 'az'), script);
  await chmod(join(bin, 'az'), 0o755);
  return {
    env: { PATH: `${bin}:${sandbox.env.PATH}` },
    calls: async () => (await readFile(log, 'utf8').catch(() => '')).split('\n').filter(Boolean),
  };
}

test('--auth azure-cli with az set to another cloud says so before anything is asked of Graph (exit 2)', async (t) => {
  const sandbox = await startSandbox(t);
  const az = await fakeAz(sandbox, { name: 'AzureUSGovernment', activeDirectory: 'https://login.microsoftonline.us' });
  const run = await sandbox.run(ARGS, { env: az.env });
  assert.equal(run.code, 2, run.stderr);
  assert.match(
    run.stderr,
    /✖ The Azure CLI is set to the AzureUSGovernment cloud \(login\.microsoftonline\.us\), but dynauth to the custom cloud \(127\.0\.0\.1:\d+\)\./,
  );
  assert.match(run.stderr, /Pass --cloud usgovhigh or --cloud dod to use az's, or register this cloud with `az cloud register`/);
  assert.doesNotMatch(run.stderr, /az login/, 'the cloud is named, not the sign-in failure it causes');
  assert.ok((await az.calls()).includes('cloud show --output json'));
  assert.deepEqual(
    sandbox.emulator.requests.filter((r) => r.service !== 'login'),
    [],
    'nothing asked of Graph, BAP or Dataverse',
  );
});

test('--auth azure-cli with az on the same cloud signs in with its tokens, and init goes through', async (t) => {
  const sandbox = await startSandbox(t);
  tls.setDefaultCACertificates([...tls.getCACertificates('default'), sandbox.emulator.caCertPem]);
  const { cloudConfig, environments } = sandbox.emulator;
  const resources = [cloudConfig.graphEndpoint, cloudConfig.powerPlatformEndpoint, ...environments.flatMap((e) => (e.url ? [e.url] : []))];
  const tokens = Object.fromEntries(
    await Promise.all(resources.map(async (r) => [r, await adminToken(sandbox.emulator, `${r}/.default`)] as const)),
  );
  const az = await fakeAz(sandbox, { name: 'DynauthSandbox', activeDirectory: `${cloudConfig.authorityHost}/` }, tokens);
  const run = await sandbox.run(ARGS, { env: az.env });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /Signing in \(azure-cli\)…/);
  assert.match(run.stderr, /✔ Signed in as admin@contoso-sandbox\.onmicrosoft\.com/);
  assert.doesNotMatch(run.stderr, /The Azure CLI is set to/);
  const calls = await az.calls();
  assert.ok(calls.includes('cloud show --output json'), calls.join('\n'));
  assert.ok(
    calls.some((c) => c.startsWith(`account get-access-token --output json --resource ${cloudConfig.graphEndpoint}`)),
    calls.join('\n'),
  );
});

test('--auth azure-cli without az installed: the install hint, and no cloud check in the way (exit 4)', async (t) => {
  const sandbox = await startSandbox(t);
  const empty = join(sandbox.dir, 'empty-bin');
  await mkdir(empty);
  const run = await sandbox.run(ARGS, { env: { PATH: empty } });
  assert.equal(run.code, 4, run.stderr);
  assert.match(run.stderr, /Sign-in \(azure-cli\) failed: Azure CLI could not be found/);
  assert.match(run.stderr, /Install the Azure CLI \(https:\/\/aka\.ms\/azure-cli\) and run `az login`, or choose another --auth method\./);
});
