import { createKeyringStore } from '../../src/secrets/keyring-store.ts';

let available: Promise<boolean> | undefined;

/** Whether a real Secret Service answers here (npm test starts one inside dbus-run-session). */
export function secretServiceAvailable(): Promise<boolean> {
  available ??= createKeyringStore('dynauth-probe', { timeoutMs: 3000 })
    .get('probe')
    .then(
      () => true,
      () => false,
    );
  return available;
}
