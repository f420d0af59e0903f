import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError, type Service } from '../../src/clients/api-error.ts';
import type { Clock } from '../../src/io/clock.ts';
import {
  appNotYetVisible,
  dataverseDoesNotKnowApp,
  grantPrincipalNotYetVisible,
  servicePrincipalAppNotYetVisible,
  whileReplicating,
} from '../../src/steps/replication.ts';
import type { PollWaiting } from '../../src/util/poll.ts';

const APP_ID = '5d3c0a7e-1b2c-4d5e-8f90-123456789abc';

function apiError(service: Service, status: number, remoteCode: string, remoteMessage: string): ApiError {
  return new ApiError({ service, status, remoteCode, remoteMessage, message: `HTTP ${status}` });
}

/** A clock whose time moves only when slept on. */
function fakeClock(): Clock & { slept: number[] } {
  let now = Date.parse('2026-12-01T12:00:00Z');
  const slept: number[] = [];
  return {
    slept,
    now: () => new Date(now),
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
    },
  };
}

function waiting(clock: Clock, timeoutMs = 60_000, onWait?: (message: string) => void): PollWaiting {
  return { clock, signal: new AbortController().signal, timeoutMs, resumeHint: 'Run it again.', onWait };
}

test('Graph answers that mean "not replicated yet" are told apart from real failures', () => {
  const notFound = apiError(
    'graph',
    404,
    'Request_ResourceNotFound',
    "Resource 'x' does not exist or one of its queried reference-property objects are not present.",
  );
  assert.ok(appNotYetVisible(notFound));
  assert.equal(
    appNotYetVisible(apiError('graph', 403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.')),
    undefined,
  );
  assert.equal(appNotYetVisible(apiError('dataverse', 404, '0x80060888', 'Resource not found')), undefined);

  const backing = apiError(
    'graph',
    403,
    'Authorization_RequestDenied',
    'When using this permission, the backing application of the service principal being created must in the local tenant',
  );
  assert.ok(servicePrincipalAppNotYetVisible(backing));
  assert.ok(
    servicePrincipalAppNotYetVisible(
      apiError(
        'graph',
        400,
        'Request_BadRequest',
        `The appId '${APP_ID}' of the service principal does not reference a valid application object.`,
      ),
    ),
  );
  assert.ok(servicePrincipalAppNotYetVisible(notFound));
  // A 403 that is a real lack of rights is not waited out.
  assert.equal(
    servicePrincipalAppNotYetVisible(
      apiError('graph', 403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.'),
    ),
    undefined,
  );

  assert.ok(
    grantPrincipalNotYetVisible(
      apiError('graph', 400, 'Request_BadRequest', "Invalid value specified for property 'clientId' of resource 'OAuth2PermissionGrant'."),
    ),
  );
  assert.ok(
    grantPrincipalNotYetVisible(
      apiError(
        'graph',
        400,
        'Request_BadRequest',
        "Invalid value specified for property 'resourceId' of resource 'OAuth2PermissionGrant'.",
      ),
    ),
  );
  assert.equal(
    grantPrincipalNotYetVisible(
      apiError('graph', 400, 'Request_BadRequest', "Invalid value specified for property 'scope' of resource 'OAuth2PermissionGrant'."),
    ),
    undefined,
  );
});

test('Dataverse not knowing a new app is recognised by the app id, the code or the words, not by one exact text', () => {
  const check = dataverseDoesNotKnowApp(APP_ID);
  assert.ok(check(apiError('dataverse', 400, '0x80040203', `Application ${APP_ID.toUpperCase()} is not valid.`)));
  assert.ok(check(apiError('dataverse', 404, '0x80040217', 'systemuser With Id = 00000000 Does Not Exist')));
  assert.ok(check(apiError('dataverse', 400, '0x80048306', 'The application could not be found in Azure Active Directory.')));
  // A soft-deleted twin, a refused privilege, or another service: final.
  assert.equal(check(apiError('dataverse', 400, '0x80040237', 'A record with matching key values already exists.')), undefined);
  assert.equal(
    check(apiError('dataverse', 403, '0x80040220', `Principal user is missing prvCreateUser privilege for ${APP_ID}`)),
    undefined,
  );
  assert.equal(check(apiError('graph', 404, 'Request_ResourceNotFound', 'not found')), undefined);
});

test('whileReplicating retries a lagging answer a quarter second apart, and says once what it waits for', async () => {
  const clock = fakeClock();
  const said: string[] = [];
  let calls = 0;
  const value = await whileReplicating(
    async () => {
      if (++calls < 4) throw apiError('graph', 404, 'Request_ResourceNotFound', 'does not exist');
      return 'made';
    },
    appNotYetVisible,
    waiting(clock, 60_000, (message) => said.push(message)),
    'Entra to publish the new app',
  );
  assert.equal(value, 'made');
  assert.equal(calls, 4);
  assert.equal(clock.slept.length, 3);
  assert.deepEqual(clock.slept, [250, 250, 250], 'replication usually ends within seconds: attempts stay close');
  assert.deepEqual(said, ['Waiting for Entra to publish the new app (Graph does not show the new app everywhere yet)…']);
});

test('whileReplicating throws a real failure at once, and gives up with the resume hint when the time allowed runs out', async () => {
  const clock = fakeClock();
  const denied = apiError('graph', 403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
  await assert.rejects(
    whileReplicating(async () => Promise.reject(denied), appNotYetVisible, waiting(clock), 'x'),
    (error) => error === denied,
  );
  assert.equal(clock.slept.length, 0);

  const lagging = () => Promise.reject(apiError('graph', 404, 'Request_ResourceNotFound', 'does not exist'));
  await assert.rejects(
    whileReplicating(lagging, appNotYetVisible, waiting(clock, 10_000), 'Entra to publish the new app'),
    (error: Error & { hint?: string }) => {
      assert.match(error.message, /Timed out after 10 s waiting for Entra to publish the new app/);
      assert.equal(error.hint, 'Run it again.');
      return true;
    },
  );
  assert.equal(
    clock.slept.reduce((a, b) => a + b, 0),
    10_000,
    'never sleeps past the time allowed',
  );
});

test('a wait that lasts spaces its attempts out, up to 5 s apart', async () => {
  const clock = fakeClock();
  const lagging = () => Promise.reject(apiError('graph', 404, 'Request_ResourceNotFound', 'does not exist'));
  await assert.rejects(whileReplicating(lagging, appNotYetVisible, waiting(clock, 120_000), 'Entra to publish the new app'));
  const late = clock.slept.slice(clock.slept.findIndex((ms) => ms > 250));
  assert.ok(late.length > 5, `${clock.slept.join(', ')}`);
  assert.ok(
    late.every((ms, i) => i === 0 || ms >= late[i - 1]! || i === late.length - 1),
    `never shrinks: ${late.join(', ')}`,
  );
  assert.equal(Math.max(...clock.slept), 5000);
  const lastMinute = clock.slept.slice(clock.slept.findIndex((_, i) => clock.slept.slice(0, i + 1).reduce((a, b) => a + b, 0) > 60_000));
  assert.ok(lastMinute.length <= 13, `the second minute has attempts 5 s apart, not ${lastMinute.length}`);
});
