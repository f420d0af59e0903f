import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '../../src/cli/errors.ts';
import { diagnose } from '../../src/steps/diagnose.ts';
import type { DiagnosisContext, FederatedDiagnosisFacts } from '../../src/steps/diagnosis.ts';

const GITHUB = 'https://token.actions.githubusercontent.com';
const TRUSTED = 'repo:contoso/app:environment:production';

const context = (federation: FederatedDiagnosisFacts): DiagnosisContext => ({
  profile: 'sales',
  appName: 'dynauth-sales',
  tenant: 'contoso.onmicrosoft.com',
  clientId: '0b7c5f3e-1111-4222-8333-944445555666',
  environmentUrl: 'https://contoso.crm4.dynamics.com',
  cloud: 'public',
  proxy: undefined,
  timeoutMs: 30_000,
  now: new Date('2026-06-01T00:00:00Z'),
  federation,
});

const facts = (token?: FederatedDiagnosisFacts['token']): FederatedDiagnosisFacts => ({
  tokenFile: '/tmp/oidc-token',
  configured: [{ name: 'github-contoso-app-environment-production', issuer: GITHUB, subject: TRUSTED }],
  ...(token ? { token } : {}),
});

/** Shaped like @azure/identity's AuthenticationError. */
const entra = (code: number, description: string) =>
  Object.assign(new Error(`ClientAssertionCredential authentication failed: AADSTS${code}: ${description}`), {
    errorResponse: { errorCodes: [code], errorDescription: `AADSTS${code}: ${description}` },
  });

test('a subject that differs only in case is said to be that (7002138), with both subjects', () => {
  const token = { issuer: GITHUB, subject: 'repo:Contoso/app:environment:production', audiences: ['api://AzureADTokenExchange'] };
  const diagnosis = diagnose(
    entra(7002138, "No matching federated identity record found for presented assertion subject 'x'."),
    context(facts(token)),
  );
  assert.equal(diagnosis.code, 'AADSTS7002138');
  assert.equal(diagnosis.auth, true);
  assert.match(diagnosis.cause, /upper and lower case/);
  assert.ok(diagnosis.cause.includes(`subject ${token.subject}`) && diagnosis.cause.includes(`subject ${TRUSTED}`));
});

test('unread token (dynauth token, dynauth api): the subject Entra names is shown, and the init that trusts it', () => {
  const presented = 'repo:contoso/app:ref:refs/heads/main';
  const diagnosis = diagnose(
    entra(
      700213,
      `No matching federated identity record found for presented assertion subject '${presented}'. Check your federated identity credential Subject, Audience and Issuer against the presented assertion.`,
    ),
    context(facts()),
  );
  assert.equal(diagnosis.code, 'AADSTS700213');
  assert.ok(diagnosis.cause.includes(`subject ${presented}`), diagnosis.cause);
  assert.match(diagnosis.cause, /issuer \(none\)/);
  assert.doesNotMatch(diagnosis.fix, /--federation/, 'without the issuer, no spec to offer');
});

test('the legacy 70021 is read like 700213; a signature refusal (700027) names the issuer', () => {
  const token = { issuer: GITHUB, subject: 'repo:contoso/app:pull_request', audiences: ['api://AzureADTokenExchange'] };
  const legacy = diagnose(entra(70021, 'No matching federated identity record found for presented assertion.'), context(facts(token)));
  assert.match(legacy.cause, /matches the token's subject/);
  assert.ok(legacy.fix.includes('--federation github:subject:repo:contoso/app:pull_request'), legacy.fix);
  const forged = diagnose(entra(700027, 'Client assertion failed signature validation.'), context(facts(token)));
  assert.match(forged.cause, new RegExp(`keys ${GITHUB.replaceAll('.', '\\.')} publishes`));
});

test('an unreadable token file is its own diagnosis, not an authentication failure', () => {
  const error = new UsageError('Cannot read the federated token file /tmp/oidc-token (ENOENT).', {
    hint: 'Give the file the platform wrote its OIDC token to.',
    code: 'federated-token-unreadable',
  });
  const diagnosis = diagnose(error, context(facts()));
  assert.deepEqual(diagnosis, {
    code: 'federated-token-unreadable',
    cause: 'Cannot read the federated token file /tmp/oidc-token (ENOENT).',
    fix: 'Give the file the platform wrote its OIDC token to.',
    auth: false,
  });
});

test('any other Entra code of a federated sign-in goes to the common table', () => {
  const diagnosis = diagnose(entra(7000112, "Application 'x'(y) is disabled."), context(facts()));
  assert.equal(diagnosis.code, 'AADSTS7000112');
  assert.match(diagnosis.cause, /disabled/);
});

test('the init that trusts a new subject is complete without a terminal: --profile, the recorded roles, --yes', () => {
  const token = { issuer: GITHUB, subject: 'repo:contoso/app:ref:refs/heads/main', audiences: ['api://AzureADTokenExchange'] };
  const refusal = entra(700213, 'No matching federated identity record found for presented assertion subject.');
  const withRoles = diagnose(refusal, context({ ...facts(token), roles: ['dynauth read-only', 'Sales "EU" $team'] }));
  assert.ok(
    withRoles.fix.endsWith(
      ' trust this token\'s subject too: dynauth init --environment https://contoso.crm4.dynamics.com --app-name "dynauth-sales" --profile sales' +
        ' --credential federated --federation github:subject:repo:contoso/app:ref:refs/heads/main' +
        ' --role "dynauth read-only" --role "Sales \\"EU\\" \\$team" --yes.',
    ),
    withRoles.fix,
  );
  const byHand = diagnose(refusal, context(facts(token)));
  assert.match(byHand.fix, /--federation github:subject:\S+ --role "<role name>" --yes\.$/, 'no roles recorded: a placeholder to fill in');
});
