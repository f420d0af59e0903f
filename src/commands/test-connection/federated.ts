// test-connection of a federated profile: the platform's token from --federated-token-file (or
// AZURE_FEDERATED_TOKEN_FILE, which Azure Workload Identity and azure/login-style tasks set).
import { UsageError } from '../../cli/errors.ts';
import type { Deps } from '../../deps.ts';
import type { Profile } from '../../profiles/profile.ts';
import type { ConnectionSubject } from '../../steps/connection-report.ts';
import { federatedSubject } from '../../steps/federated-subject.ts';

export function federatedProfileSubject(deps: Pick<Deps, 'redactor'>, profile: Profile, tokenFile: string | undefined): ConnectionSubject {
  if (!tokenFile) {
    throw new UsageError(
      `Profile "${profile.name}" has no secret: it signs in with a pipeline's token. Give --federated-token-file <file>.`,
      {
        hint: 'Run it inside the pipeline, with the file its platform wrote the OIDC token to (or set AZURE_FEDERATED_TOKEN_FILE).',
        code: 'missing-input',
      },
    );
  }
  // The token signs the app in: a secret, kept out of every output.
  return federatedSubject(profile, tokenFile, (token) => deps.redactor.add(token));
}
