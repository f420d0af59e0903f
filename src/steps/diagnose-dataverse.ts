// Dataverse Web API refusals seen by the app itself.
import { BLOCKED_BY_POLICY, MISSING_PRIVILEGE, NOT_A_MEMBER } from '../clients/dataverse.ts';
import type { ApiError } from '../clients/api-error.ts';
import { PRESETS } from '../roles/presets.ts';
import { initCommand, type Diagnosis, type DiagnosisContext } from './diagnosis.ts';

/** The fix of a Dataverse answer no diagnosis knows (dynauth api replaces it when the request itself was refused). */
export const UNEXPECTED_DATAVERSE_FIX = 'Run again with --verbose to see the request; report it if it persists.';

const DISABLED_USER = '0x80040225';
/** Built-in roles that grant a privilege the presets do not. */
const BUILT_IN_GRANTS: Record<string, string> = { prvReadUser: 'Basic User', prvReadRole: 'Basic User', prvReadBusinessUnit: 'Basic User' };

export function diagnoseDataverse(error: ApiError, ctx: DiagnosisContext): Diagnosis {
  const host = new URL(ctx.environmentUrl).host;
  const result = (cause: string, fix: string, auth = false): Diagnosis => ({
    code: `dataverse-${error.remoteCode || error.status}`,
    cause,
    fix,
    auth,
  });
  if (error.status === 401) return unauthorized(ctx, host, result);
  if (error.status === 429) {
    const wait = ctx.retryAfterSeconds !== undefined ? ` for ${ctx.retryAfterSeconds} s` : '';
    return result(
      `Dataverse service protection limits are throttling this app in ${host} (429${error.remoteMessage ? `: ${error.remoteMessage}` : ''}).`,
      `Wait${wait || ' a few minutes'} and run again; if it persists, spread the integration's requests out over time.`,
    );
  }
  if (error.status === 503 || error.status === 502 || error.status === 504) {
    return result(
      `Dataverse in ${host} is temporarily unavailable (HTTP ${error.status}).`,
      'Run again in a few minutes; check the Power Platform admin center (Service health) if it lasts.',
    );
  }
  switch (error.remoteCode) {
    case NOT_A_MEMBER:
      return result(
        `The app has no application user in ${host}, so Dataverse does not let it in.`,
        ctx.profile
          ? `${initCommand(ctx)} creates it.`
          : `Add one for client id ${ctx.clientId} (Power Platform admin center > Application users > New app user), or let dynauth set it all up: dynauth init --environment ${ctx.environmentUrl}.`,
        true,
      );
    case DISABLED_USER:
      return result(
        `The app's application user in ${host} is disabled.`,
        'Enable it: Power Platform admin center > the environment > Settings > Users + permissions > Application users.',
        true,
      );
    case MISSING_PRIVILEGE:
      return missingPrivilege(error.remoteMessage, host, ctx, result);
    case BLOCKED_BY_POLICY:
      return result(
        `An admin policy of ${host} blocks this app (${error.remoteMessage || 'access denied by policy'}).`,
        'Ask the Power Platform admin to allow the app (environment security settings: IP firewall, tenant isolation, app access policies).',
        true,
      );
    default:
      return result(
        `Dataverse in ${host} answered HTTP ${error.status}${error.remoteCode ? ` ${error.remoteCode}` : ''}: ${(error.remoteMessage || 'no details').replace(/\.$/u, '')}.`,
        UNEXPECTED_DATAVERSE_FIX,
      );
  }
}

function unauthorized(ctx: DiagnosisContext, host: string, result: (cause: string, fix: string, auth?: boolean) => Diagnosis): Diagnosis {
  const origin = new URL(ctx.environmentUrl).origin.toLowerCase();
  const expected = (ctx.expectedAudience ?? origin).replace(/\/+$/, '').toLowerCase();
  const audience = ctx.token?.aud?.replace(/\/+$/, '');
  if (audience && audience.toLowerCase() !== expected) {
    return result(
      `Dataverse in ${host} refused the token (401): it was issued for another audience (${audience}), not for ${expected}.`,
      `Request the token for the environment itself: scope ${expected}/.default (a proxy or gateway in between may also be sending it to the wrong environment).`,
      true,
    );
  }
  if (ctx.token?.exp !== undefined && ctx.token.exp * 1000 <= ctx.now.getTime()) {
    return result(
      `Dataverse in ${host} refused the token (401): it had expired by the time it arrived.`,
      "Check this machine's clock, and that nothing in between delays requests.",
      true,
    );
  }
  return result(
    `Dataverse in ${host} refused the token (401): a bad, expired or wrong-audience token.`,
    `Request the token for scope ${expected}/.default, and check this machine's clock.`,
    true,
  );
}

function missingPrivilege(
  message: string,
  host: string,
  ctx: DiagnosisContext,
  result: (cause: string, fix: string) => Diagnosis,
): Diagnosis {
  const privilege = /missing (\w+) privilege/.exec(message)?.[1];
  const table = /for entity '(\w+)'/.exec(message)?.[1];
  const what = privilege ? `${privilege}${table ? ` on table ${table}` : ''}` : 'a privilege';
  return result(`The application user in ${host} lacks ${what}.`, grantFix(privilege, ctx));
}

/** Which preset or built-in role grants a privilege, as a command or a step. */
export function grantFix(privilege: string | undefined, ctx: Pick<DiagnosisContext, 'profile' | 'appName' | 'environmentUrl'>): string {
  const smallestFirst = Object.values(PRESETS).sort((a, b) => a.privileges.length - b.privileges.length);
  const preset = smallestFirst.find((p) => !p.builtIn && privilege && p.privileges.includes(privilege));
  if (preset) return `The ${preset.name} preset grants it: ${initCommand(ctx, `--role-preset ${preset.name}`)}.`;
  const role = privilege ? BUILT_IN_GRANTS[privilege] : undefined;
  if (role) return `The built-in role "${role}" grants it: ${initCommand(ctx, `--role "${role}"`)}.`;
  return `Give the application user a security role that grants it: ${initCommand(ctx, '--role "<role>"')}.`;
}
