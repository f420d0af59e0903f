// Requests that got no HTTP answer: DNS, TLS, proxy, refused or dropped connections, time-outs.
import { classifyNetworkError, NetworkError } from '../http/network-error.ts';
import type { Diagnosis, DiagnosisContext } from './diagnosis.ts';

const NETWORK_CODES =
  /^(ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|UND_ERR_\w+|ERR_TLS\w*|CERT_\w+|UNABLE_TO_\w+|SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT)$/;

/** A network failure buried in another library's error (@azure/identity wraps them), or undefined. */
export function findNetworkCause(error: unknown): NetworkError | undefined {
  for (let current = error, depth = 0; current && depth < 8; depth++) {
    if (current instanceof NetworkError) return current;
    const candidate = current as { code?: unknown; cause?: unknown; message?: unknown; request?: { url?: unknown } };
    if (typeof candidate.code === 'string' && NETWORK_CODES.test(candidate.code)) {
      const url = typeof candidate.request?.url === 'string' ? candidate.request.url : undefined;
      return classifyNetworkError(current, url ? new URL(url).host : hostIn(String(candidate.message ?? '')));
    }
    current = candidate.cause;
  }
  const text = error instanceof Error ? error.message : '';
  const code =
    /\b(ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY|DEPTH_ZERO_SELF_SIGNED_CERT|CERT_HAS_EXPIRED|ERR_TLS_CERT_ALTNAME_INVALID)\b/.exec(
      text,
    )?.[1];
  return code ? classifyNetworkError({ code }, hostIn(text)) : undefined;
}

function hostIn(text: string): string {
  return /https:\/\/([^/\s'"]+)/.exec(text)?.[1] ?? /(?:getaddrinfo \w+|connect \w+) ([^\s,]+)/.exec(text)?.[1] ?? 'the server';
}

export function diagnoseNetwork(error: NetworkError, ctx: DiagnosisContext): Diagnosis {
  const result = (cause: string, fix: string): Diagnosis => ({ code: `network-${error.failure}`, cause, fix, auth: false });
  const viaProxy = ctx.proxy ? ` through the proxy ${ctx.proxy}` : '';
  switch (error.failure) {
    case 'dns':
      return result(
        `The name ${error.host} could not be resolved (DNS lookup failed).`,
        'Check the URL (and --cloud / --cloud-config), your DNS, or the proxy (HTTPS_PROXY with NODE_USE_ENV_PROXY=1).',
      );
    case 'tls':
      return result(
        `The TLS certificate of ${error.host} is not trusted${viaProxy}: a TLS-inspecting proxy or a private CA this machine does not trust.`,
        'Trust that CA with NODE_EXTRA_CA_CERTS=/path/ca.pem (TLS verification is never switched off).',
      );
    case 'refused':
      return ctx.proxy
        ? result(
            `The proxy ${ctx.proxy} (HTTPS_PROXY) refused the connection.`,
            'Check that the proxy is running and HTTPS_PROXY is right, or unset HTTPS_PROXY.',
          )
        : result(`The connection to ${error.host} was refused.`, 'Check the URL, your firewall and your network.');
    case 'reset':
      return result(
        `The connection to ${error.host} was dropped before it answered${viaProxy}.`,
        'Run again; if it keeps happening, check your network, firewall or proxy.',
      );
    case 'timeout':
      return result(
        `${error.host} did not answer within ${Math.round(ctx.timeoutMs / 1000)} s${viaProxy}.`,
        'Run again, allow longer with --timeout 2m, or check your network or proxy.',
      );
    default:
      return result(`Network error talking to ${error.host}${viaProxy}.`, 'Check your network or proxy, then run again.');
  }
}

/** host:port of the proxy Node uses for HTTPS, without any credentials in its URL. */
export function proxyInUse(env: Record<string, string | undefined>): string | undefined {
  const raw = env.HTTPS_PROXY || env.https_proxy;
  if (!raw) return undefined;
  try {
    return new URL(raw).host;
  } catch {
    return 'from HTTPS_PROXY (unparsable)';
  }
}
