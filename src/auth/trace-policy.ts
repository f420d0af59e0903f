// @azure/identity sends its requests (MSAL's) through its own pipeline, not dynauth's HTTP layer:
// this policy puts them in the --verbose trace too. URLs of Entra's endpoints carry no secret;
// bodies (which do) are never traced.

interface TracedRequest {
  method: string;
  url: string;
}

interface TracedResponse {
  status: number;
}

type Trace = (line: string) => void;

export function identityTraceOptions(trace: Trace | undefined) {
  if (!trace) return {};
  const policy = {
    name: 'dynauthTrace',
    async sendRequest<Req extends TracedRequest, Res extends TracedResponse>(request: Req, next: (request: Req) => Promise<Res>): Promise<Res> {
      const started = Date.now();
      trace(`→ ${request.method} ${request.url}`);
      try {
        const response = await next(request);
        trace(`← ${response.status} ${request.method} ${request.url} ${Date.now() - started} ms`);
        return response;
      } catch (error) {
        trace(`← ${request.method} ${request.url}: ${error instanceof Error ? error.message : String(error)}`);
        throw error;
      }
    },
  };
  return { additionalPolicies: [{ policy, position: 'perRetry' as const }] };
}
