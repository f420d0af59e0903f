import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MISSING_PRIVILEGE, NOT_A_MEMBER, type UserPrivilege } from '../../src/clients/dataverse.ts';
import type { Deps } from '../../src/deps.ts';
import type { Http } from '../../src/http/http.ts';
import type { Clock } from '../../src/io/clock.ts';
import { verifyNewConnection } from '../../src/steps/verify-connection.ts';

const USER_ID = '0f8fad5b-d9cb-469f-a165-70867728950e';
const ENVIRONMENT = 'https://contoso.crm4.dynamics.com';

function clock(): Clock {
  let now = Date.parse('2026-12-01T12:00:00Z');
  return {
    now: () => new Date(now),
    sleep: async (ms) => {
      now += ms;
    },
  };
}

const dataverseError = (status: number, code: string) =>
  new Response(JSON.stringify({ error: { code, message: `refused (${code})` } }), {
    status,
    headers: { 'content-type': 'application/json' },
  });

test('privileges read as the admin (the app may not) are read once, however often WhoAmI must be asked again', async () => {
  const asked: string[] = [];
  let whoAmIs = 0;
  const http: Http = {
    async request(url) {
      const path = new URL(url).pathname;
      asked.push(path.split('/').at(-1)!);
      if (path.endsWith('/WhoAmI')) {
        // The new application user is not active yet the first two times (Dataverse's 0x80072560).
        if (++whoAmIs <= 2) return dataverseError(403, NOT_A_MEMBER);
        return Response.json({ UserId: USER_ID, BusinessUnitId: USER_ID, OrganizationId: USER_ID });
      }
      return dataverseError(403, MISSING_PRIVILEGE);
    },
  };
  const adminReads: string[] = [];
  const held: UserPrivilege[] = [{ PrivilegeId: USER_ID, PrivilegeName: 'prvReadAccount', Depth: 'Global' } as UserPrivilege];
  const time = clock();
  const deps = { http, clock: time, cancellation: { signal: new AbortController().signal }, ui: { step() {} } } as unknown as Pick<
    Deps,
    'http' | 'clock' | 'cancellation' | 'ui'
  >;
  const verified = await verifyNewConnection(
    deps,
    {} as never,
    {
      tenantId: USER_ID,
      clientId: USER_ID,
      secret: { kind: 'secret', clientSecret: 'unused' },
      environmentUrl: ENVIRONMENT,
      expectedPrivileges: ['prvReadAccount'],
      applicationUserId: USER_ID,
      privilegesAsAdmin: async (userId) => {
        adminReads.push(userId);
        return held;
      },
    },
    { clock: time, signal: new AbortController().signal, timeoutMs: 60_000, resumeHint: 'Run it again.' },
    Promise.resolve({ token: 'app-token', tokenMs: 0 }),
  );
  assert.equal(whoAmIs, 3);
  assert.deepEqual(adminReads, [USER_ID], 'the admin read the privileges once');
  assert.deepEqual(verified.missingPrivileges, []);
});
