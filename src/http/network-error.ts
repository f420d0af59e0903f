import { DynauthError } from '../cli/errors.ts';

export type NetworkFailure = 'dns' | 'refused' | 'reset' | 'timeout' | 'tls' | 'other';

/** A request that got no HTTP answer at all, named in the user's terms. */
export class NetworkError extends DynauthError {
  readonly failure: NetworkFailure;
  readonly host: string;
  /** True when the request surely never reached the server, so any method may be retried. */
  readonly notSent: boolean;

  constructor(failure: NetworkFailure, host: string, cause: unknown) {
    super(describe(failure, host), { cause, hint: hintFor(failure), code: `network-${failure}` });
    this.name = 'NetworkError';
    this.failure = failure;
    this.host = host;
    this.notSent = failure === 'dns' || failure === 'refused';
  }

  get transient(): boolean {
    return this.failure !== 'tls' && this.failure !== 'dns';
  }
}

function describe(failure: NetworkFailure, host: string): string {
  switch (failure) {
    case 'dns':
      return `Could not resolve ${host} (DNS lookup failed).`;
    case 'refused':
      return `Connection to ${host} was refused.`;
    case 'reset':
      return `Connection to ${host} was dropped before it answered.`;
    case 'timeout':
      return `${host} did not answer in time.`;
    case 'tls':
      return `The TLS certificate of ${host} is not trusted.`;
    default:
      return `Network error talking to ${host}.`;
  }
}

function hintFor(failure: NetworkFailure): string | undefined {
  switch (failure) {
    case 'dns':
      return 'Check the URL and your network or proxy (HTTPS_PROXY with NODE_USE_ENV_PROXY=1).';
    case 'tls':
      return 'Behind a TLS-inspecting proxy or private cloud, trust its CA with NODE_EXTRA_CA_CERTS=/path/ca.pem.';
    case 'timeout':
    case 'reset':
    case 'refused':
      return 'Check your network or proxy, then run the command again; it resumes where it stopped.';
    default:
      return undefined;
  }
}

const TLS_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_NOT_YET_VALID',
]);

export function classifyNetworkError(error: unknown, host: string): NetworkError {
  const code = findCode(error);
  const failure: NetworkFailure =
    code === 'ENOTFOUND' || code === 'EAI_AGAIN'
      ? 'dns'
      : code === 'ECONNREFUSED'
        ? 'refused'
        : code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET' || code === 'UND_ERR_CLOSED'
          ? 'reset'
          : code === 'ETIMEDOUT' || code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'TimeoutError'
            ? 'timeout'
            : code && (TLS_CODES.has(code) || code.startsWith('ERR_TLS') || code.startsWith('CERT_'))
              ? 'tls'
              : 'other';
  return new NetworkError(failure, host, error);
}

function findCode(error: unknown): string | undefined {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    const candidate = current as { code?: unknown; name?: unknown; cause?: unknown };
    if (typeof candidate.code === 'string') return candidate.code;
    if (candidate.name === 'TimeoutError') return 'TimeoutError';
    current = candidate.cause;
  }
  return undefined;
}
