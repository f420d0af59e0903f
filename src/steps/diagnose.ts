// Turns whatever stopped a connection test into one cause and one fix, in the user's terms.
import { aadstsCode } from '../auth/token-error.ts';
import { ApiError } from '../clients/api-error.ts';
import { NetworkError } from '../http/network-error.ts';
import { RetryBudgetError } from '../http/retry-wait.ts';
import type { Profile } from '../profiles/profile.ts';
import { diagnoseDataverse } from './diagnose-dataverse.ts';
import { delegatedAadsts, delegatedContext, diagnoseDelegatedDataverse, diagnoseDelegatedEntra } from './diagnose-delegated.ts';
import { diagnoseEntra } from './diagnose-entra.ts';
import { diagnoseFederated } from './diagnose-federated.ts';
import { diagnoseNetwork, findNetworkCause } from './diagnose-network.ts';
import { diagnoseStorage } from './diagnose-storage.ts';
import type { Diagnosis, DiagnosisContext } from './diagnosis.ts';

export function diagnose(error: unknown, ctx: DiagnosisContext): Diagnosis {
  const federated = ctx.federation && diagnoseFederated(error, ctx.federation, ctx);
  if (federated) return federated;
  const storage = diagnoseStorage(error, ctx);
  if (storage) return storage;
  if (error instanceof ApiError && error.service === 'dataverse') {
    return (ctx.delegated && diagnoseDelegatedDataverse(error, ctx)) || diagnoseDataverse(error, ctx);
  }
  const network = error instanceof NetworkError ? error : findNetworkCause(error);
  if (network) return diagnoseNetwork(network, ctx);
  const code = ctx.delegated ? delegatedAadsts(error) : aadstsCode(error);
  if (code !== undefined) return (ctx.delegated && diagnoseDelegatedEntra(code, ctx)) || diagnoseEntra(code, error, ctx);
  if (error instanceof RetryBudgetError)
    return { code: error.code, cause: error.message, fix: error.hint ?? 'Test again later.', auth: false };
  const message = error instanceof Error ? error.message.split('\n')[0]! : String(error);
  return { code: 'unexpected', cause: message, fix: 'Run again with --verbose for details, and report it if it persists.', auth: false };
}

/**
 * Any failure of a delegated profile (redeeming its refresh token, or Dataverse as its user) as one
 * cause and fix: for the commands that work as the integration account (token, api, test-connection).
 */
export function diagnoseDelegatedFailure(error: unknown, profile: Profile, now = new Date()): Diagnosis {
  return diagnose(error, delegatedContext(profile, now));
}
