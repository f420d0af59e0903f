import { readStorageFlags, readText, type FlagValues, type StorageFlags } from '../../cli/flags/read.ts';
import type { Env } from '../../deps.ts';
import { validateProfileNameFlag } from '../../profiles/profile-name.ts';

export interface ExportFlags extends StorageFlags {
  profile: string | undefined;
  /** Certificate profiles: where to write the certificate and its private key (PEM). */
  pemOut: string | undefined;
}

export function parseExportFlags(options: FlagValues, env: Env): ExportFlags {
  const profile = readText(options, 'profile');
  if (profile !== undefined) validateProfileNameFlag(profile);
  return { profile, pemOut: readText(options, 'pemOut'), ...readStorageFlags(options, env) };
}
