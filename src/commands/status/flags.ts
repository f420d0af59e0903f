import { UsageError } from '../../cli/errors.ts';
import { readStorageFlags, readSwitch, readText, readTimeout, type FlagValues, type StorageFlags } from '../../cli/flags/read.ts';
import type { Env } from '../../deps.ts';
import { assertWritableFile } from '../../util/output-file.ts';

export interface StatusFlags extends StorageFlags {
  /** Also test every profile's connection. */
  check: boolean;
  /** Exit 3 when a credential expires within this many days. */
  warnDays: number | undefined;
  /** Where to write the iCalendar file of expiry reminders. */
  ics: string | undefined;
  timeoutMs: number;
}

export function parseStatusFlags(options: FlagValues, env: Env): StatusFlags {
  const warnText = readText(options, 'warnDays');
  if (warnText !== undefined && !/^\d{1,4}$/.test(warnText))
    throw new UsageError(`--warn-days "${warnText}" is not a whole number of days (e.g. 30).`);
  const ics = readText(options, 'ics');
  if (ics === '') throw new UsageError('--ics needs a file name.');
  if (ics !== undefined) assertWritableFile(ics, '--ics');
  return {
    check: readSwitch(options, 'check'),
    warnDays: warnText === undefined ? undefined : Number(warnText),
    ics,
    timeoutMs: readTimeout(options),
    ...readStorageFlags(options, env),
  };
}
