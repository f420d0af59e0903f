// One valid profile for the profile tests: each test changes what it is about.
import type { KeyedProfile } from '../../src/profiles/profile.ts';

/** A complete, valid profile; `store` records which store holds its credential (absent in profiles older than that field). */
export function sampleProfile(name = 'prod', store?: 'keychain' | 'file'): KeyedProfile {
  return {
    version: 1,
    name,
    cloud: 'public',
    tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
    clientId: '51f81489-12ee-4a9e-aaae-a2591f45987d',
    applicationObjectId: '0b8f9c1e-3c5a-4e61-9b7e-2f1d8a6c4e10',
    servicePrincipalId: '5a1c2b3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
    appDisplayName: 'dynauth contoso',
    environment: {
      id: 'c6f0a1b2-3d4e-4f5a-8b6c-7d8e9f0a1b2c',
      url: 'https://contoso.crm4.dynamics.com',
      uniqueName: 'unq0',
      displayName: 'Contoso',
    },
    applicationUserId: '1f2e3d4c-5b6a-4978-8a69-5b4c3d2e1f00',
    businessUnitId: '2a3b4c5d-6e7f-4809-9a1b-2c3d4e5f6a7b',
    roles: [{ id: '3b4c5d6e-7f80-4912-8a3b-4c5d6e7f8091', name: 'Basic User' }],
    expectedPrivileges: ['prvReadAccount'],
    credential: {
      type: 'secret',
      keyId: '4c5d6e7f-8091-4a2b-9c3d-5e6f7a8b9c0d',
      expiresOn: '2027-01-01T00:00:00.000Z',
      createdOn: '2026-01-01T00:00:00.000Z',
      lifetimeDays: 365,
    },
    keychain: { service: 'dynauth', account: name, passphrase: false, ...(store ? { store } : {}) },
    createdOn: '2026-01-01T00:00:00.000Z',
    updatedOn: '2026-01-01T00:00:00.000Z',
  };
}
