import { existsSync } from 'node:fs';
import type { Env } from '../deps.ts';
import { UsageError } from './errors.ts';

/**
 * Variables copied from `dynauth sandbox` outlive it: say so, whichever command is run, instead
 * of "no profiles" or a missing file.
 */
export function assertSandboxStillRunning(env: Env): void {
  for (const name of ['DYNAUTH_CLOUD_CONFIG', 'DYNAUTH_CONFIG_DIR']) {
    const path = env[name];
    const sandboxDir = path && /^.*?dynauth-sandbox-[^/\\]+/.exec(path)?.[0];
    if (sandboxDir && !existsSync(sandboxDir)) {
      throw new UsageError(`${name} points into a sandbox that has stopped (${path}).`, {
        hint: 'Start `dynauth sandbox` again and use the variables it prints, or unset the DYNAUTH_* variables it set.',
        code: 'sandbox-stopped',
      });
    }
  }
}
