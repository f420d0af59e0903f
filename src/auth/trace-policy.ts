// @azure/identity sends its requests (MSAL's) through its own pipeline, not dynauth's HTTP layer.
// This policy puts them in the --verbose trace too (URLs of Entra's endpoints carry no secret;
// bodies, which do, are never traced), and tells which of them got no answer at all: MSAL reports
// a DNS, TLS, proxy or connection failure only as "network_error".
import { classifyNetworkError, type NetworkError } from '../http/network-error.ts';

interface TracedRequest {
  method: string;
  url: string;
}

interface TracedResponse {
  status: number;
  bodyAsText?: string | null;
}

export interface PipelineWatch {
  /** The --verbose trace. */
  trace?: (line: string) => void;
  /** The last request's fate: the failure of one that got no HTTP answer, or undefined once one is answered. */
  onNetwork?: (failure: NetworkError | undefined) => void;
  /** Entra's error_description of a refused request (ids and names only, never a secret): MSAL drops a refused device code request's. */
  onRefusal?: (description: string) => void;
}

export function identityPipelineOptions({ trace, onNetwork, onRefusal }: PipelineWatch = {}) {
  if (!trace && !onNetwork && !onRefusal) return {};
  const policy = {
    name: 'dynauthWatch',
    async sendRequest<Req extends TracedRequest, Res extends TracedResponse>(
      request: Req,
      next: (request: Req) => Promise<Res>,
    ): Promise<Res> {
      const started = Date.now();
      trace?.(`→ ${request.method} ${request.url}`);
      try {
        const response = await next(request);
        trace?.(`← ${response.status} ${request.method} ${request.url} ${Date.now() - started} ms`);
        onNetwork?.(undefined);
        if (response.status >= 400 && onRefusal) {
          const description = errorDescription(response.bodyAsText);
          if (description) onRefusal(description);
        }
        return response;
      } catch (error) {
        trace?.(`← ${request.method} ${request.url}: ${error instanceof Error ? error.message : String(error)}`);
        const failure = classifyNetworkError(error, new URL(request.url).host);
        if (failure.failure !== 'other') onNetwork?.(failure);
        throw error;
      }
    },
  };
  return { additionalPolicies: [{ policy, position: 'perRetry' as const }] };
}

function errorDescription(body: string | null | undefined): string | undefined {
  try {
    const parsed = JSON.parse(body ?? '') as { error_description?: unknown };
    return typeof parsed.error_description === 'string' ? parsed.error_description : undefined;
  } catch {
    return undefined;
  }
}
