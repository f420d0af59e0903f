import { UsageError } from '../../cli/errors.ts';
import { readStorageFlags, readText, readTimeout, type FlagValues, type StorageFlags } from '../../cli/flags/read.ts';
import { WEB_API_METHODS, type WebApiMethod } from '../../clients/dataverse-web-api.ts';
import type { Env } from '../../deps.ts';
import { validateProfileNameFlag } from '../../profiles/profile-name.ts';

export interface ApiFlags extends StorageFlags {
  profile: string | undefined;
  method: WebApiMethod;
  path: string;
  /** A file name, or "-" for stdin. */
  body: string | undefined;
  timeoutMs: number;
}

export function parseApiFlags(options: FlagValues, args: string[], env: Env): ApiFlags {
  const profile = readText(options, 'profile');
  if (profile !== undefined) validateProfileNameFlag(profile);
  const method = (args[0] ?? '').trim().toUpperCase();
  if (!(WEB_API_METHODS as readonly string[]).includes(method))
    throw new UsageError(`The method must be one of ${WEB_API_METHODS.join(', ')}.`, { code: 'bad-api-method' });
  const path = (args[1] ?? '').trim();
  if (!path) throw new UsageError("Give the Web API path, e.g. 'accounts?$top=1'.", { code: 'bad-api-path' });
  const body = readText(options, 'body');
  const takesBody = method === 'POST' || method === 'PATCH' || method === 'PUT';
  if (body !== undefined && !takesBody) throw new UsageError(`--body goes with POST, PATCH or PUT, not ${method}.`);
  return { profile, method: method as WebApiMethod, path, body, timeoutMs: readTimeout(options), ...readStorageFlags(options, env) };
}
