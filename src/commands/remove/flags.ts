import { parseAuthMethod, type AuthMethod } from '../../auth/methods.ts';
import { readSwitch, readText, type FlagValues } from '../../cli/flags/read.ts';
import { validateTenant } from '../../cli/flags/validate.ts';
import { validateProfileNameFlag } from '../../profiles/profile-name.ts';

export interface RemoveFlags {
  profile: string | undefined;
  deleteApp: boolean;
  auth: AuthMethod | undefined;
  tenant: string | undefined;
  /** --store: only for a profile written before each recorded its own store. */
  store: 'keychain' | 'file';
  yes: boolean;
}

export function parseRemoveFlags(options: FlagValues): RemoveFlags {
  const flags: RemoveFlags = {
    profile: readText(options, 'profile'),
    deleteApp: readSwitch(options, 'deleteApp'),
    auth: parseAuthMethod(readText(options, 'auth')),
    tenant: readText(options, 'tenant'),
    store: readText(options, 'store') === 'file' ? 'file' : 'keychain',
    yes: readSwitch(options, 'yes'),
  };
  if (flags.profile !== undefined) validateProfileNameFlag(flags.profile);
  if (flags.tenant !== undefined) validateTenant(flags.tenant);
  return flags;
}
