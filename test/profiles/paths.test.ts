import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveProfilesDir } from '../../src/profiles/paths.ts';

test('DYNAUTH_CONFIG_DIR wins, then XDG_CONFIG_HOME, then the platform default', () => {
  assert.equal(
    resolveProfilesDir({ env: { DYNAUTH_CONFIG_DIR: '/cfg', XDG_CONFIG_HOME: '/xdg' }, homedir: '/home/u', platform: 'linux' }),
    '/cfg',
  );
  assert.equal(resolveProfilesDir({ env: { XDG_CONFIG_HOME: '/xdg' }, homedir: '/home/u', platform: 'linux' }), '/xdg/dynauth/profiles');
  assert.equal(resolveProfilesDir({ env: { XDG_CONFIG_HOME: '/xdg' }, homedir: '/Users/u', platform: 'darwin' }), '/xdg/dynauth/profiles');
  assert.equal(resolveProfilesDir({ env: {}, homedir: '/home/u', platform: 'linux' }), '/home/u/.config/dynauth/profiles');
  assert.equal(
    resolveProfilesDir({ env: { XDG_CONFIG_HOME: '' }, homedir: '/home/u', platform: 'freebsd' }),
    '/home/u/.config/dynauth/profiles',
  );
  assert.equal(
    resolveProfilesDir({ env: {}, homedir: '/Users/u', platform: 'darwin' }),
    '/Users/u/Library/Application Support/dynauth/profiles',
  );
  assert.equal(
    resolveProfilesDir({ env: { APPDATA: 'C:\\Users\\u\\AppData\\Roaming' }, homedir: 'C:\\Users\\u', platform: 'win32' }),
    'C:\\Users\\u\\AppData\\Roaming\\dynauth\\profiles',
  );
  assert.equal(
    resolveProfilesDir({ env: {}, homedir: 'C:\\Users\\u', platform: 'win32' }),
    'C:\\Users\\u\\AppData\\Roaming\\dynauth\\profiles',
  );
});
