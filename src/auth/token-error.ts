import { AuthError, DynauthError, UsageError } from '../cli/errors.ts';
import { NetworkError } from '../http/network-error.ts';

/** The AADSTS code of an Entra error, from @azure/identity's error or its message text. */
export function aadstsCode(error: unknown): number | undefined {
  const response = (error as { errorResponse?: { errorCodes?: number[]; errorDescription?: string } })?.errorResponse;
  if (response?.errorCodes?.length) return response.errorCodes[0];
  const text = `${response?.errorDescription ?? ''} ${error instanceof Error ? error.message : ''}`;
  const match = /AADSTS(\d+)/.exec(text);
  return match ? Number(match[1]) : undefined;
}

/** First line of Entra's description, which never contains a secret (only ids and names). */
export function aadstsMessage(error: unknown): string {
  const response = (error as { errorResponse?: { errorDescription?: string } })?.errorResponse;
  const text = response?.errorDescription ?? (error instanceof Error ? error.message : String(error));
  const match = /AADSTS\d+:[^\r\n]*/.exec(text);
  return (match ? match[0] : (text.split('\n')[0] ?? '')).trim();
}

/**
 * MSAL names a request that got no answer only "network_error": when Entra did not answer with an
 * error of its own, the failure is the one the pipeline saw (see trace-policy.ts).
 */
export function unansweredFailure(error: unknown, unanswered: NetworkError | undefined): NetworkError | undefined {
  return aadstsCode(error) === undefined ? unanswered : undefined;
}

/** Turns a failed admin sign-in into a user-facing error. */
export function adminSignInError(
  error: unknown,
  context: {
    method: string;
    tenant?: string;
    cloud?: string /** The sign-in's last request, if it got no answer. */;
    unanswered?: NetworkError;
  },
): DynauthError {
  if (error instanceof DynauthError) return error;
  const code = aadstsCode(error);
  if (code === 90002) {
    return new UsageError(`No tenant "${context.tenant ?? ''}" in the ${context.cloud ?? 'public'} cloud (AADSTS90002).`, {
      hint: 'Check --tenant (a tenant id, or a verified domain such as contoso.onmicrosoft.com); a government or China tenant needs --cloud usgov|usgovhigh|dod|china.',
      code: 'tenant-not-found',
    });
  }
  if (code === 90038) {
    return new UsageError(`Tenant "${context.tenant ?? ''}" lives in another national cloud (AADSTS90038).`, {
      hint: 'Pass the cloud it lives in: --cloud usgovhigh or dod (microsoftonline.us), or --cloud china.',
      code: 'tenant-in-other-cloud',
    });
  }
  const network = findNetworkCause(error) ?? unansweredFailure(error, context.unanswered);
  if (network) return network;
  const name = error instanceof Error ? error.name : '';
  const detail = code ? aadstsMessage(error) : error instanceof Error ? error.message.split('\n')[0] : String(error);
  const noBrowser =
    context.method === 'browser' &&
    (name === 'CredentialUnavailableError' || /\bspawn\b.*\bENOENT\b|xdg-open|open a browser/i.test(detail));
  const azureCli = name === 'CredentialUnavailableError' && context.method === 'azure-cli';
  const hint =
    azureCli && /could not be found|not installed/i.test(detail)
      ? 'Install the Azure CLI (https://aka.ms/azure-cli) and run `az login`, or choose another --auth method.'
      : azureCli
        ? 'Run `az login` first, or choose another --auth method.'
        : noBrowser
          ? 'No browser could be opened here; use --auth device-code.'
          : 'Sign in again, or choose another method with --auth.';
  return new AuthError(`Sign-in (${context.method}) failed: ${detail}`, {
    hint,
    cause: error,
    code: code ? `AADSTS${code}` : 'sign-in-failed',
  });
}

function findNetworkCause(error: unknown): NetworkError | undefined {
  for (let current = error, depth = 0; current && depth < 6; depth++) {
    if (current instanceof NetworkError) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
