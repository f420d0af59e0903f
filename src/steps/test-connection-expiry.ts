import type { Check, CredentialFacts } from './connection-report.ts';
import { newCredentialFix, type DiagnosisContext } from './diagnosis.ts';

export const WARN_DAYS = 30;
const DAY_MS = 86_400_000;

/** Days until the credential expires, rounded (a new 180-day secret shows 180; negative once expired). */
export function daysLeft(expiresOn: string, now: Date): number {
  return Math.round((Date.parse(expiresOn) - now.getTime()) / DAY_MS);
}

/** Expiry as a check: error once expired, warning under 30 days. */
export function checkExpiry(
  credential: CredentialFacts,
  now: Date,
  ctx: Pick<DiagnosisContext, 'profile' | 'credential'>,
): { check: Check; daysLeft?: number } {
  if (!credential.expiresOn) {
    return {
      check: { id: 'expiry', status: 'skip', summary: 'unknown for a secret given by hand (Entra shows it under Certificates & secrets)' },
    };
  }
  const left = daysLeft(credential.expiresOn, now);
  const date = credential.expiresOn.slice(0, 10);
  if (Date.parse(credential.expiresOn) <= now.getTime()) {
    const fix = newCredentialFix(ctx);
    return {
      daysLeft: left,
      check: {
        id: 'expiry',
        status: 'fail',
        summary: `expired on ${date}`,
        diagnosis: {
          code: 'credential-expired',
          cause: `The ${credential.type === 'secret' ? 'client secret' : 'certificate'} expired on ${date}.`,
          fix: `Make a new one: ${fix}.`,
          auth: true,
        },
      },
    };
  }
  const summary = `expires on ${date} (in ${left} day${left === 1 ? '' : 's'})`;
  if (left < WARN_DAYS)
    return { daysLeft: left, check: { id: 'expiry', status: 'warn', summary: `${summary}; renew it soon: ${newCredentialFix(ctx)}` } };
  return { daysLeft: left, check: { id: 'expiry', status: 'pass', summary } };
}
