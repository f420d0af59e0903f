import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '../../src/cli/errors.ts';
import { GITHUB_ISSUER, parseFederationSpec, parseFederationSpecs } from '../../src/connection/federation-spec.ts';

const refused = (spec: string, why: RegExp) =>
  assert.throws(
    () => parseFederationSpec(spec),
    (error: unknown) => error instanceof UsageError && error.code === 'bad-federation-spec' && why.test(error.message),
  );

test('github specs become GitHub Actions subjects, named after them', () => {
  const environment = parseFederationSpec('github:contoso/dataverse-solutions:environment:production');
  assert.equal(environment.issuer, GITHUB_ISSUER);
  assert.equal(environment.subject, 'repo:contoso/dataverse-solutions:environment:production');
  assert.equal(environment.name, 'github-contoso-dataverse-solutions-environment-production');
  assert.deepEqual(environment.github, { repository: 'contoso/dataverse-solutions', environment: 'production' });
  assert.equal(parseFederationSpec('github:contoso/app:ref:refs/heads/main').subject, 'repo:contoso/app:ref:refs/heads/main');
  assert.equal(parseFederationSpec('github:contoso/app:ref:refs/tags/v1.2').subject, 'repo:contoso/app:ref:refs/tags/v1.2');
  assert.equal(parseFederationSpec('github:contoso/app:pull_request').subject, 'repo:contoso/app:pull_request');
  // Case is kept: Entra matches subjects case-sensitively.
  assert.equal(parseFederationSpec('github:Contoso/App:environment:Prod').subject, 'repo:Contoso/App:environment:Prod');
});

test('a raw GitHub subject is taken as it is: immutable ids, customised templates', () => {
  const immutable = parseFederationSpec('github:repo:contoso-1234/app-5678:environment:prod');
  assert.equal(immutable.subject, 'repo:contoso-1234/app-5678:environment:prod');
  assert.equal(immutable.github, undefined);
  const custom = parseFederationSpec('github:subject:repository_owner_id:1234:context:prod');
  assert.equal(custom.subject, 'repository_owner_id:1234:context:prod');
  assert.equal(custom.issuer, GITHUB_ISSUER);
});

test('azure-devops, kubernetes and oidc specs', () => {
  const devops = parseFederationSpec(
    'azure-devops:https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/v2.0:/eid1/c/pub/t/abc/a/def/sc/123',
  );
  assert.equal(devops.issuer, 'https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/v2.0');
  assert.equal(devops.subject, '/eid1/c/pub/t/abc/a/def/sc/123');
  assert.deepEqual(devops.notes, []);
  const old = parseFederationSpec('azure-devops:https://vstoken.dev.azure.com/0000-org:sc://contoso/project/connection');
  assert.equal(old.subject, 'sc://contoso/project/connection');
  assert.match(old.notes[0]!, /retires in 2027/);
  const wrongSubject = parseFederationSpec('azure-devops:https://login.microsoftonline.com/tenant/v2.0:sc://contoso/p/c');
  assert.match(wrongSubject.notes[0]!, /\/eid1\//);
  const kubernetes = parseFederationSpec('kubernetes:https://oidc.prod-aks.azure.com/abc/:integrations:dataverse-sync');
  assert.equal(kubernetes.issuer, 'https://oidc.prod-aks.azure.com/abc/');
  assert.equal(kubernetes.subject, 'system:serviceaccount:integrations:dataverse-sync');
  const other = parseFederationSpec('oidc:https://issuer.example.com:8443/realms/x:svc:deployer');
  assert.equal(other.issuer, 'https://issuer.example.com:8443/realms/x');
  assert.equal(other.subject, 'svc:deployer');
});

test('names are URL-friendly, at most 120 characters, and tell different specs apart', () => {
  const dotted = parseFederationSpec('github:contoso/app:environment:prod.eu');
  const dashed = parseFederationSpec('github:contoso/app:environment:prod-eu');
  assert.notEqual(dotted.name, dashed.name);
  const long = parseFederationSpec(`github:contoso/app:environment:${'x'.repeat(200)}`);
  assert.ok(long.name.length <= 120);
  for (const spec of [dotted, dashed, long]) assert.match(spec.name, /^[A-Za-z0-9][A-Za-z0-9_-]*$/);
});

test('bad specs are usage errors that list the forms', () => {
  refused('github:contoso/app', /add :environment:NAME/);
  refused('github:contoso/app:branch:main', /none of environment/);
  refused('github:contoso/app:ref:main', /refs\/heads\/BRANCH/);
  refused('gitlab:contoso/app', /starts with none of/);
  refused('oidc:http://issuer.example.com:sub', /https:\/\/ URL/);
  refused('kubernetes:https://issuer.example.com:Default:SA', /lower-case/);
  refused('oidc:https://issuer.example.com:', /https:\/\/ URL|empty/);
  refused(`oidc:https://issuer.example.com:${'s'.repeat(601)}`, /600 characters/);
  refused('oidc:https://issuer.example.com:a\u001b[2Jb', /control character/);
  assert.throws(
    () => parseFederationSpecs(['github:contoso/app:pull_request', 'github:subject:repo:contoso/app:pull_request']),
    /same issuer and subject/,
  );
});
