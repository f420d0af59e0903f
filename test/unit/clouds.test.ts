import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CLOUDS,
  dataverseScope,
  describeDataverseHosts,
  isDataverseHost,
  otherCloudHint,
  parseCustomCloud,
  serviceOfHost,
} from '../../src/clouds.ts';
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
    assert.throws(
      () => parseCustomCloud(JSON.stringify(data), 'c.json'),
      (error: unknown) => error instanceof UsageError && message.test(error.message),
    );
  }
  assert.throws(() => parseCustomCloud('{not json', 'c.json'), /not valid JSON/);
});

test('a Dataverse token scope is the origin plus /.default', () => {
  assert.equal(dataverseScope('https://contoso.crm4.dynamics.com/main.aspx?x=1'), 'https://contoso.crm4.dynamics.com/.default');
});

test('every regional crmN.dynamics.com is a public Dataverse host, not a fixed list', () => {
  for (const host of [
    'contoso.crm22.dynamics.com',
    'contoso.crm10.dynamics.com',
    'contoso.crm99.dynamics.com',
    'Contoso.CRM5.Dynamics.com',
    'org.sub.crm4.dynamics.com',
  ]) {
    assert.equal(isDataverseHost(CLOUDS.public, host), true, host);
  }
  for (const host of [
    'contoso.crmx.dynamics.com',
    'contoso.crm22.dynamics.com.attacker.net',
    'contoso.crm22-dynamics.com',
    'crm22.dynamics.com',
    'contoso.crm2.dynamics.cn',
  ]) {
    assert.equal(isDataverseHost(CLOUDS.public, host), false, host);
  }
  assert.equal(describeDataverseHosts(CLOUDS.public), 'crmN.dynamics.com');
});

test('crm9 is GCC: a public-cloud user who types it is told to pass --cloud usgov', () => {
  assert.equal(isDataverseHost(CLOUDS.public, 'contoso.crm9.dynamics.com'), false);
  assert.equal(isDataverseHost(CLOUDS.public, 'contoso.crm90.dynamics.com'), true, 'only crm9 itself is GCC');
  assert.match(otherCloudHint('contoso.crm9.dynamics.com'), /usgov cloud: pass --cloud usgov\./);
  assert.match(otherCloudHint('contoso.crm.microsoftdynamics.us'), /--cloud usgovhigh/);
  assert.match(otherCloudHint('contoso.example.com'), /--cloud usgov\|usgovhigh\|dod\|china; for a private cloud, --cloud-config/);
});

test('GCC and GCC High name a second Power Platform scope to fall back on', () => {
  assert.equal(CLOUDS.usgov.powerPlatformScope, 'https://gov.service.powerapps.us/.default');
  assert.equal(CLOUDS.usgov.powerPlatformScopeFallback, 'https://service.powerapps.us/.default');
  assert.equal(CLOUDS.usgovhigh.powerPlatformScope, 'https://high.service.powerapps.us/.default');
  assert.equal(CLOUDS.usgovhigh.powerPlatformScopeFallback, 'https://high.service.apps.appsplatform.us/.default');
  assert.equal(CLOUDS.public.powerPlatformScopeFallback, undefined);
});

test('a custom cloud may name a Power Platform fallback scope, checked like the others', () => {
  const withFallback = parseCustomCloud(
    JSON.stringify({ ...custom, powerPlatformScopeFallback: 'https://127.0.0.1:4004/.default' }),
    'c.json',
  );
  assert.equal(withFallback.powerPlatformScopeFallback, 'https://127.0.0.1:4004/.default');
  assert.equal(parseCustomCloud(JSON.stringify(custom), 'c.json').powerPlatformScopeFallback, undefined);
  assert.throws(
    () => parseCustomCloud(JSON.stringify({ ...custom, powerPlatformScopeFallback: 'https://127.0.0.1:4004' }), 'c.json'),
    /"powerPlatformScopeFallback" must end with \/.default/,
  );
});

test('progress lines name the service by its host', () => {
  assert.equal(serviceOfHost(CLOUDS.public, 'contoso.crm22.dynamics.com'), 'Dataverse');
  assert.equal(serviceOfHost(CLOUDS.public, 'graph.microsoft.com'), 'Microsoft Graph');
  assert.equal(serviceOfHost(CLOUDS.public, 'api.bap.microsoft.com'), 'Power Platform');
  assert.equal(serviceOfHost(CLOUDS.public, 'login.microsoftonline.com'), 'Entra');
  assert.equal(serviceOfHost(CLOUDS.public, 'example.com'), undefined);
  const cloud = parseCustomCloud(JSON.stringify(custom), 'c.json');
  assert.equal(serviceOfHost(cloud, '127.0.0.1:4002'), 'Microsoft Graph', "the port tells the emulator's services apart");
  assert.equal(serviceOfHost(cloud, '127.0.0.1:4100'), 'Dataverse');
});
