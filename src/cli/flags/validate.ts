// The checks of values given on the command line (or at a prompt), worded for it: usage errors.
import { describeDataverseHosts, isDataverseHost, otherCloudHint, type Cloud } from '../../clouds.ts';
import { MAX_SECRET_LIFETIME_DAYS } from '../../microsoft.ts';
import { isGuid } from '../../util/guid.ts';
import { unsafeCharacter } from '../../util/terminal-text.ts';
import { UsageError } from '../errors.ts';

export const MAX_APP_NAME_LENGTH = 120;

const DOMAIN = /^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

export function validateTenant(tenant: string): void {
  if (!isGuid(tenant) && !DOMAIN.test(tenant)) {
    throw new UsageError(`--tenant "${tenant}" is neither a tenant id (GUID) nor a domain such as contoso.onmicrosoft.com.`);
  }
}

/** An environment given as its id, name or URL: a URL must be https on a Dataverse host of the cloud. */
export function validateEnvironmentSelector(selector: string, cloud: Cloud): void {
  if (!/^https?:\/\//i.test(selector)) return;
  let url: URL;
  try {
    url = new URL(selector);
  } catch {
    throw new UsageError(`"${selector}" is not a valid environment URL.`);
  }
  if (url.protocol !== 'https:') throw new UsageError(`Environment URL ${selector} must use https.`);
  if (!isDataverseHost(cloud, url.hostname)) {
    throw new UsageError(`${url.hostname} is not a Dataverse host of the ${cloud.name} cloud (${describeDataverseHosts(cloud)}).`, {
      hint: otherCloudHint(url.hostname),
    });
  }
}

/** An environment given by its URL only (a setup made by hand, a connection string's Url). */
export function validateEnvironmentUrl(url: string, cloud: Cloud, what = '--environment'): void {
  if (!/^https?:\/\//i.test(url) || !URL.canParse(url)) {
    throw new UsageError(`${what} must be the environment URL, such as https://contoso.crm.dynamics.com.`);
  }
  validateEnvironmentSelector(url, cloud);
}

/**
 * Names go to Entra and Dataverse, whose consent screen and portals show them: a newline ("dynauth\n
 * Approved by Microsoft") or a bidi override ("dynauth-\u202Etxt.exe" shows as "dynauth-exe.txt")
 * would make a name say what it is not. Control and bidi characters are refused.
 */
export function validatePlainName<T extends string | undefined>(name: T, flag: string): T {
  const unsafe = name === undefined ? undefined : unsafeCharacter(name);
  if (unsafe) {
    throw new UsageError(
      `${flag} holds a control or bidirectional-override character (${unsafe}); names are shown in the Entra admin center and on consent screens, where such characters disguise them.`,
      {
        hint: 'Type the name with visible characters only.',
        code: 'unsafe-name',
      },
    );
  }
  return name;
}

export function validateAppName(name: string): void {
  if (!name) throw new UsageError('--app-name must not be empty.');
  validatePlainName(name, '--app-name');
  if (name.length > MAX_APP_NAME_LENGTH) {
    throw new UsageError(`--app-name is ${name.length} characters; Entra allows at most ${MAX_APP_NAME_LENGTH}.`);
  }
}

/** A new credential's lifetime: 1 day to dynauth's own limit, one rule and one message for init, rotation and the prompt. */
export function validateLifetime(days: number, given: string, label = '--secret-expiry'): number {
  if (days >= 1 && days <= MAX_SECRET_LIFETIME_DAYS) return days;
  const why =
    days < 1
      ? `${days} days is not in the future`
      : `${days} days is beyond dynauth's own limit: two years, the longest the Entra admin center offers`;
  throw new UsageError(`${label} "${given}" is out of range: give 1 to ${MAX_SECRET_LIFETIME_DAYS} days (${why}).`, {
    hint: 'Microsoft recommends short-lived credentials (dynauth defaults to 180 days), and a tenant app-management policy may allow less still; dynauth rotate-secret renews one with no downtime.',
    code: 'expiry-out-of-range',
  });
}
