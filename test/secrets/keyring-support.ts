// Shared by the keychain tests: decides whether a real OS keychain is reachable, and
// reads items back through libsecret's secret-tool to see what the keychain really holds.
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { KeychainUnavailableError } from '../../src/secrets/errors.ts';
import { createKeyringStore } from '../../src/secrets/keyring-store.ts';

/** test/with-keyring.ts sets this when it started a private gnome-keyring: then "none reachable" is a failure. */
const PROVIDED = process.env.DYNAUTH_TEST_SECRET_SERVICE === '1';

export function uniqueService(): string {
  return `dynauth-test-${process.pid}-${randomUUID().slice(0, 8)}`;
}

/** Undefined when the keychain works; otherwise why not (for t.skip). Throws if npm test promised one. */
export async function keychainSkipReason(): Promise<string | undefined> {
  let reason: string | undefined;
  if (process.platform === 'linux' && !process.env.DBUS_SESSION_BUS_ADDRESS) {
    reason =
      'no Secret Service: DBUS_SESSION_BUS_ADDRESS is unset (npm test starts a private gnome-keyring when dbus-run-session and gnome-keyring-daemon are installed)';
  } else {
    const store = createKeyringStore(uniqueService(), { timeoutMs: 10_000 });
    try {
      await store.get('probe');
    } catch (error) {
      if (!(error instanceof KeychainUnavailableError) || error.reason !== 'no-service') throw error;
      reason = `no Secret Service: ${error.message}`;
    }
  }
  if (reason !== undefined && PROVIDED) throw new Error(`npm test started a gnome-keyring, yet: ${reason}`);
  return reason;
}

export function hasSecretTool(): boolean {
  return spawnSync('secret-tool', ['--version']).error === undefined;
}

/** The raw bytes of an item as the Secret Service returns them. */
export function secretToolLookup(service: string, account: string): Buffer {
  const result = spawnSync('secret-tool', ['lookup', 'service', service, 'username', account], { timeout: 10_000 });
  if (result.status !== 0) throw new Error(`secret-tool lookup failed (${result.status}): ${result.stderr.toString()}`);
  return result.stdout;
}

/** Everything secret-tool shows for a service: labels, attributes and secrets. */
export function secretToolSearch(service: string): string {
  const result = spawnSync('secret-tool', ['search', '--all', '--unlock', 'service', service], { timeout: 10_000 });
  return `${result.stdout.toString('latin1')}\n${result.stderr.toString('latin1')}`;
}

/**
 * Runs `body` with DBUS_SESSION_BUS_ADDRESS set to `address`. The keyring helper process inherits
 * process.env when it starts (on a store's first call), so the address only needs to be set
 * around the first call; a store keeps its helper, so each bus scenario takes a store of its own.
 */
export async function withBusAddress<T>(address: string, body: () => Promise<T>): Promise<T> {
  const saved = process.env.DBUS_SESSION_BUS_ADDRESS;
  process.env.DBUS_SESSION_BUS_ADDRESS = address;
  try {
    return await body();
  } finally {
    if (saved === undefined) delete process.env.DBUS_SESSION_BUS_ADDRESS;
    else process.env.DBUS_SESSION_BUS_ADDRESS = saved;
  }
}
