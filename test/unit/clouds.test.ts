import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CLOUDS, dataverseScope, isDataverseHost, parseCustomCloud } from '../../src/clouds.ts';
import { UsageError } from '../../src/cli/errors.ts';

const custom = {
  authorityHost: 'https://127.0.0.1:4001',
  graphEndpoint: 'https://127.0.0.1:4002',
  graphScope: 'https://127.0.0.1:4002/.default',
  powerPlatformEndpoint: 'https://127.0.0.1:4003',
  powerPlatformScope: 'https://127.0.0.1:4003/.default',
  dataverseHostSuffixes: ['127.0.0.1', 'crm.contoso.test'],
};

test('public cloud Dataverse hosts match their regional suffixes only', () => {
  assert.equal(isDataverseHost(CLOUDS.public, 'contoso.crm4.dynamics.com'), true);
  assert.equal(isDataverseHost(CLOUDS.public, 'contoso.crm.dynamics.com'), true);
  assert.equal(isDataverseHost(CLOUDS.public, 'contoso.crm9.dynamics.com'), false, 'crm9 is GCC');
  assert.equal(isDataverseHost(CLOUDS.usgov, 'contoso.crm9.dynamics.com'), true);
  assert.equal(isDataverseHost(CLOUDS.public, 'evilcrm.dynamics.com.attacker.net'), false);
  assert.equal(isDataverseHost(CLOUDS.china, 'contoso.crm.dynamics.cn'), true);
});

test('an IP address matches only itself', () => {
  const cloud = parseCustomCloud(JSON.stringify(custom), 'c.json');
  assert.equal(isDataverseHost(cloud, '127.0.0.1'), true);
  assert.equal(isDataverseHost(cloud, '10.127.0.0.1'), false);
  assert.equal(isDataverseHost(cloud, 'org.crm.contoso.test'), true);
});

test('a custom cloud file is read with exactly its keys', () => {
  const cloud = parseCustomCloud(JSON.stringify(custom), 'c.json');
  assert.equal(cloud.name, 'custom');
  assert.equal(cloud.graphScope, 'https://127.0.0.1:4002/.default');
});

test('a bad custom cloud file names the bad key', () => {
  const cases: Array<[unknown, RegExp]> = [
    [{ ...custom, extra: 1 }, /unknown key "extra"/],
    [{ ...custom, graphEndpoint: 'http://insecure' }, /"graphEndpoint" must be an https:\/\/ URL/],
    [{ ...custom, graphScope: 'https://127.0.0.1:4002' }, /"graphScope" must end with \/.default/],
    [{ ...custom, dataverseHostSuffixes: [] }, /"dataverseHostSuffixes"/],
    [(({ powerPlatformScope, ...rest }) => rest)(custom), /missing key "powerPlatformScope"/],
  ];
  for (const [data, message] of cases) {
    assert.throws(() => parseCustomCloud(JSON.stringify(data), 'c.json'), (error: unknown) => error instanceof UsageError && message.test(error.message));
  }
  assert.throws(() => parseCustomCloud('{not json', 'c.json'), /not valid JSON/);
});

test('a Dataverse token scope is the origin plus /.default', () => {
  assert.equal(dataverseScope('https://contoso.crm4.dynamics.com/main.aspx?x=1'), 'https://contoso.crm4.dynamics.com/.default');
});
