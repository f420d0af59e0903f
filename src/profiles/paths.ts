import { posix, win32 } from 'node:path';

export interface ConfigLocationInput {
  env: Readonly<Record<string, string | undefined>>;
  homedir: string;
  platform: NodeJS.Platform;
}

/**
 * Directory of the profile files: $DYNAUTH_CONFIG_DIR if set, else $XDG_CONFIG_HOME/dynauth/profiles,
 * else the platform's per-user config directory + dynauth/profiles.
 */
export function resolveProfilesDir({ env, homedir, platform }: ConfigLocationInput): string {
  const { join } = platform === 'win32' ? win32 : posix;
  const override = nonEmpty(env.DYNAUTH_CONFIG_DIR);
  if (override !== undefined) return override;
  const xdg = nonEmpty(env.XDG_CONFIG_HOME);
  if (xdg !== undefined) return join(xdg, 'dynauth', 'profiles');
  if (platform === 'win32') {
    const appData = nonEmpty(env.APPDATA) ?? join(homedir, 'AppData', 'Roaming');
    return join(appData, 'dynauth', 'profiles');
  }
  if (platform === 'darwin') return join(homedir, 'Library', 'Application Support', 'dynauth', 'profiles');
  return join(homedir, '.config', 'dynauth', 'profiles');
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
