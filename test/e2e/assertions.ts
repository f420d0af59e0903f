import assert from 'node:assert/strict';
import type { Emulator } from '../support/sandbox.ts';

const CRM = '00000007-0000-0000-c000-000000000000';

/** Exactly one of each object init makes, for the app with this display name; returns them. */
export function assertOneOfEach(emulator: Emulator, appName: string, environments: string[]) {
  const state = emulator.state;
  const apps = state.applications.filter((app) => app.displayName === appName);
  assert.equal(apps.length, 1, `one app named ${appName}`);
  const app = apps[0]!;
  assert.equal(app.signInAudience, 'AzureADMyOrg');
  assert.deepEqual(app.requiredResourceAccess, [
    { resourceAppId: CRM, resourceAccess: [{ id: '78ce3f0f-a1ce-49c2-8cde-64b5c0896db4', type: 'Scope' }] },
  ]);
  const sps = state.servicePrincipals.filter((sp) => sp.appId === app.appId);
  assert.equal(sps.length, 1, 'one service principal');
  const crm = state.servicePrincipals.find((sp) => sp.appId === CRM)!;
  const grants = state.oauth2PermissionGrants.filter((grant) => grant.clientId === sps[0]!.id && grant.resourceId === crm.id);
  assert.equal(grants.length, 1, 'one admin consent grant');
  assert.equal(grants[0]!.consentType, 'AllPrincipals');
  assert.match(grants[0]!.scope, /\buser_impersonation\b/);
  const users = environments.map((uniqueName) => {
    const environment = state.environments.find((e) => e.uniqueName === uniqueName)!;
    const found = environment.dataverse!.systemusers.filter((user) => user.applicationid === app.appId);
    assert.equal(found.length, 1, `one application user in ${uniqueName}`);
    assert.equal(found[0]!.accessmode, 4);
    return { environment, user: found[0]! };
  });
  assert.equal(state.powerPlatformManagementApps.includes(app.appId), false, 'never registered as a management app');
  return { app, servicePrincipal: sps[0]!, grant: grants[0]!, users };
}

/** The privilege names (and depths) a role grants, read from the emulator's own state. */
export function rolePrivileges(emulator: Emulator, environment: string, roleName: string): Array<[string, number]> {
  const dataverse = emulator.state.environments.find((e) => e.uniqueName === environment)!.dataverse!;
  const roots = dataverse.roles.filter((role) => role.name === roleName && role.roleid === role.parentrootroleid);
  assert.equal(roots.length, 1, `one root role ${roleName}`);
  return roots[0]!.privileges
    .map((p): [string, number] => [dataverse.privileges.find((q) => q.privilegeid === p.privilegeid)!.name, p.depth])
    .sort(([a], [b]) => a.localeCompare(b));
}

export function writesTo(emulator: Emulator): string[] {
  return emulator.requests.filter((r) => r.service !== 'login' && r.method !== 'GET').map((r) => `${r.method} ${r.path}`);
}
