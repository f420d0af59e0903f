// Turns whatever stopped a connection test into one cause and one fix, in the user's terms.
import { aadstsCode } from '../auth/token-error.ts';
import { ApiError } from '../clients/api-error.ts';
import { NetworkError } from '../http/network-error.ts';
import { RetryBudgetError } from '../http/retry-wait.ts';
import { diagnoseDataverse } from './diagnose-dataverse.ts';
import { diagnoseEntra } from './diagnose-entra.ts';
import { diagnoseNetwork, findNetworkCause } from './diagnose-network.ts';
import { diagnoseStorage } from './diagnose-storage.ts';
import type { Diagnosis, DiagnosisContext } from './diagnosis.ts';

export function diagnose(error: unknown, ctx: DiagnosisContext): Diagnosis {
  const storage = diagnoseStorage(error, ctx);
  if (storage) return storage;
  if (error instanceof ApiError && error.service === 'dataverse') return diagnoseDataverse(error, ctx);
  const network = error instanceof NetworkError ? error : findNetworkCause(error);
  if (network) return diagnoseNetwork(network, ctx);
  const code = aadstsCode(error);
  if (code !== undefined) return diagnoseEntra(code, error, ctx);
  if (error instanceof RetryBudgetError)
    return { code: error.code, cause: error.message, fix: error.hint ?? 'Test again later.', auth: false };
  const message = error instanceof Error ? error.message.split('\n')[0]! : String(error);
  return { code: 'unexpected', cause: message, fix: 'Run again with --verbose for details, and report it if it persists.', auth: false };
}
