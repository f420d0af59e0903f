import assert from 'node:assert/strict';
import { test } from 'node:test';
import { snippetFor } from '../../src/commands/init/federation-snippets.ts';
import { parseFederationSpec } from '../../src/connection/federation-spec.ts';

const connection = {
  tenantId: '11111111-2222-3333-4444-555555555555',
  clientId: '66666666-7777-8888-9999-000000000000',
  environmentUrl: 'https://contoso.crm4.dynamics.com',
};

function environmentLine(environment: string): string | undefined {
  const spec = `github:contoso/solutions:environment:${environment}`;
  const parsed = parseFederationSpec(spec);
  const snippet = snippetFor({ id: connection.clientId, name: 'n', issuer: parsed.issuer, subject: parsed.subject, spec }, connection);
  return snippet.split('\n').find((line) => /^\s+environment: /.test(line));
}

test('the GitHub snippet quotes an environment name YAML would read as a boolean or a number, and no other', () => {
  assert.equal(environmentLine('production'), '    environment: production');
  assert.equal(environmentLine('Staging Area'), '    environment: Staging Area');
  for (const name of ['on', 'Yes', 'off', 'true', 'null', '2024', '1.0'])
    assert.equal(environmentLine(name), `    environment: ${JSON.stringify(name)}`, name);
});
