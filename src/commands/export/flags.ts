import { resolve } from 'node:path';
import { UsageError } from '../../cli/errors.ts';
import { readStorageFlags, readSwitch, readText, type FlagValues, type StorageFlags } from '../../cli/flags/read.ts';
import type { Env } from '../../deps.ts';
import { validateProfileNameFlag } from '../../profiles/profile-name.ts';
import { EXPORT_FORMATS, type ExportFormat } from './formats.ts';

export interface ExportFlags extends StorageFlags {
  profile: string | undefined;
  format: ExportFormat;
  /** Write the output to this file (mode 0600) instead of stdout. */
  out: string | undefined;
  /** Certificate profiles: where to write the certificate and its private key (PEM). */
  pemOut: string | undefined;
  showSecret: boolean;
}

export function parseExportFlags(options: FlagValues, env: Env): ExportFlags {
  const profile = readText(options, 'profile');
  if (profile !== undefined) validateProfileNameFlag(profile);
  const format = readText(options, 'format') ?? 'connection-string';
  if (!(EXPORT_FORMATS as readonly string[]).includes(format))
    throw new UsageError(`--format must be one of ${EXPORT_FORMATS.join(', ')}.`, { code: 'bad-format' });
  const flags: ExportFlags = {
    profile,
    format: format as ExportFormat,
    out: readText(options, 'out'),
    pemOut: readText(options, 'pemOut'),
    showSecret: readSwitch(options, 'showSecret'),
    ...readStorageFlags(options, env),
  };
  if (flags.out !== undefined && flags.pemOut !== undefined && resolve(flags.out) === resolve(flags.pemOut))
    throw new UsageError('--out and --pem-out name the same file.');
  return flags;
}
