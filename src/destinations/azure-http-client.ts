// The Azure SDK's HTTP client, replaced by dynauth's HTTP layer: Key Vault calls get the same
// retries (429/503 with Retry-After), time-outs, bounded answers and --verbose trace as every
// other call. The SDK's own retries are turned off where the client is made (keyvault.ts).
import type { HttpClient, HttpHeaders, PipelineRequest, PipelineResponse, RawHttpHeaders } from '@azure/core-rest-pipeline';
import type { Http } from '../http/http.ts';

export function azureHttpClient(http: Http): HttpClient {
  return {
    async sendRequest(request: PipelineRequest): Promise<PipelineResponse> {
      const body = request.body;
      if (body !== undefined && body !== null && typeof body !== 'string') {
        throw new Error('dynauth sends Key Vault requests with text bodies only');
      }
      const response = await http.request(request.url, {
        method: request.method,
        headers: request.headers.toJSON(),
        ...(typeof body === 'string' ? { body } : {}),
      });
      return { request, status: response.status, headers: headersOf(response.headers), bodyAsText: await response.text() };
    },
  };
}

function headersOf(source: Headers): HttpHeaders {
  const map = new Map<string, string>();
  for (const [name, value] of source) map.set(name.toLowerCase(), value);
  const headers: HttpHeaders = {
    get: (name) => map.get(name.toLowerCase()),
    has: (name) => map.has(name.toLowerCase()),
    set: (name, value) => void map.set(name.toLowerCase(), String(value)),
    delete: (name) => void map.delete(name.toLowerCase()),
    toJSON: (): RawHttpHeaders => Object.fromEntries(map),
    [Symbol.iterator]: () => map.entries(),
  };
  return headers;
}
