// The checks a profile file's fields pass on load: shapes, lengths, ids, dates, and the environment
// URL held to the same rule as --environment.
import { CLOUDS, describeDataverseHosts, isCloudName, isDataverseHost, type Cloud } from '../clouds.ts';
import { isGuid } from '../util/guid.ts';

export class ShapeError extends Error {}

const MAX_TEXT_LENGTH = 1024;
export const MAX_PEM_LENGTH = 64 * 1024;

export function guid(o: Record<string, unknown>, key: string, at = '', options: { emptyAllowed?: boolean } = {}): string {
  const value = str(o, key, at);
  if ((value === '' && options.emptyAllowed) || isGuid(value)) return value;
  throw new ShapeError(`"${at}${key}" must be a GUID`);
}

/** A Power Platform environment id: a GUID, "Default-<tenant id>", or empty when only the URL was given. */
export function environmentId(value: string): string {
  if (value === '' || isGuid(value.replace(/^Default-/i, ''))) return value;
  throw new ShapeError('"environment.id" must be a Power Platform environment id (a GUID or Default-<tenant id>)');
}

export function cloudName(value: string): string {
  if (value === 'custom' || isCloudName(value)) return value;
  throw new ShapeError(`"cloud" must be one of ${Object.keys(CLOUDS).join(', ')} or custom`);
}

/** A named cloud's URL is checked here; a custom cloud's when the command knows that cloud (assertSameCloud). */
export function environmentUrl(url: string, cloud: string): string {
  const problem = isCloudName(cloud) ? environmentUrlProblem(url, CLOUDS[cloud]) : environmentUrlProblem(url);
  if (problem) throw new ShapeError(`"environment.url" ${problem}`);
  return url;
}

/**
 * Why `url` is not an environment URL dynauth would have recorded (https, an origin alone, and, given
 * the cloud, one of its Dataverse hosts as --environment demands), or undefined when it is one.
 */
export function environmentUrlProblem(url: string, cloud?: Cloud): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `${JSON.stringify(url.slice(0, 200))} is not a URL`;
  }
  if (parsed.protocol !== 'https:') return `${parsed.origin} does not use https`;
  if (
    parsed.username ||
    parsed.password ||
    parsed.search ||
    parsed.hash ||
    parsed.pathname !== '/' ||
    url.replace(/\/+$/, '').toLowerCase() !== parsed.origin
  ) {
    return `${JSON.stringify(url.slice(0, 200))} is not an environment's address alone (https://<host>)`;
  }
  if (cloud && !isDataverseHost(cloud, parsed.hostname)) {
    return `host ${parsed.hostname} is not a Dataverse host of the ${cloud.name} cloud (${describeDataverseHosts(cloud)})`;
  }
  return undefined;
}

export function date(o: Record<string, unknown>, key: string, at = ''): string {
  const value = str(o, key, at);
  if (!Number.isFinite(Date.parse(value))) throw new ShapeError(`"${at}${key}" must be a date`);
  return value;
}

/** Entra's thumbprint: SHA-1 of the certificate in hex (SHA-256 accepted too). */
export function thumbprint(value: string | undefined, at: string): string | undefined {
  if (value !== undefined && !/^(?:[0-9a-f]{40}|[0-9a-f]{64})$/i.test(value))
    throw new ShapeError(`"${at}thumbprint" must be a certificate thumbprint (hex)`);
  return value;
}

export function object(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ShapeError(`"${what}" must be an object`);
  return value as Record<string, unknown>;
}

export function array(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw new ShapeError(`"${what}" must be an array`);
  return value;
}

export function str(o: Record<string, unknown>, key: string, at = '', maxLength = MAX_TEXT_LENGTH): string {
  const value = o[key];
  if (typeof value !== 'string') throw new ShapeError(`"${at}${key}" must be a string`);
  if (value.length > maxLength) throw new ShapeError(`"${at}${key}" is ${value.length} characters long (at most ${maxLength})`);
  return value;
}

export function optionalStr(o: Record<string, unknown>, key: string, at = '', maxLength = MAX_TEXT_LENGTH): string | undefined {
  return o[key] === undefined ? undefined : str(o, key, at, maxLength);
}

export function num(o: Record<string, unknown>, key: string, at = ''): number {
  if (typeof o[key] !== 'number' || !Number.isFinite(o[key])) throw new ShapeError(`"${at}${key}" must be a number`);
  return o[key];
}

export function bool(o: Record<string, unknown>, key: string, at = ''): boolean {
  if (typeof o[key] !== 'boolean') throw new ShapeError(`"${at}${key}" must be true or false`);
  return o[key];
}
