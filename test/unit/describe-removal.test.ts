import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeRemoval } from '../../src/steps/remove-app.ts';
import type { Profile } from '../../src/profiles/profile.ts';
import { sampleProfile } from '../profiles/sample-profile.ts';

const VAULT = 'the OS keychain';

function firstLine(profile: Profile): string {
  return describeRemoval(profile, undefined, VAULT)[0]!;
}

function delegated(publicClient: boolean): Profile {
  const profile: Profile = {
    ...sampleProfile('contact'),
    flow: 'delegated',
    applicationUserId: '',
    delegated: { publicClient, redirectUris: ['http://localhost'] },
  };
  if (publicClient) delete profile.credential;
  return profile;
}

test('the remove confirmation names what is actually stored for the profile, in quotes like every profile name', () => {
  assert.equal(firstLine(sampleProfile('prod')), `profile "prod" and its stored client secret (${VAULT})`);
  const certificate = sampleProfile('cert');
  certificate.credential = { ...certificate.credential!, type: 'certificate', thumbprint: 'AB12' };
  assert.equal(firstLine(certificate), `profile "cert" and its stored certificate (${VAULT})`);
  assert.equal(firstLine(delegated(false)), `profile "contact" and its stored client secret and refresh token (${VAULT})`);
  assert.equal(firstLine(delegated(true)), `profile "contact" and its stored refresh token (${VAULT})`, 'a public client has no secret');
  const federated: Profile = {
    ...sampleProfile('fed'),
    federation: [
      {
        id: 'a1',
        name: 'github-main',
        issuer: 'https://token.actions.githubusercontent.com',
        subject: 'repo:c/a:ref:refs/heads/main',
        spec: 'github:c/a@main',
      },
    ],
  };
  delete federated.credential;
  assert.equal(firstLine(federated), `profile "fed" (nothing of it is stored in ${VAULT})`);
});
