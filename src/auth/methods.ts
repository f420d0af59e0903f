import { UsageError } from '../cli/errors.ts';

/** How the admin signs in (--auth). */
export const AUTH_METHODS = ['browser', 'device-code', 'azure-cli', 'environment'] as const;
export type AuthMethod = (typeof AUTH_METHODS)[number];

/** --auth as given, refused unless it is one of AUTH_METHODS; undefined means "not given". */
export function parseAuthMethod(value: string | undefined): AuthMethod | undefined {
  if (value !== undefined && !(AUTH_METHODS as readonly string[]).includes(value))
    throw new UsageError(`--auth must be one of: ${AUTH_METHODS.join(', ')}`);
  return value as AuthMethod | undefined;
}
