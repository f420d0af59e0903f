// dynauth sandbox --federated-token <spec>: a token from the emulated OIDC issuer (GitHub Actions-like)
// with the issuer and subject of a --federation spec, written where AZURE_FEDERATED_TOKEN_FILE
// points, so a federated profile can be tried end to end without a pipeline.
import { join } from 'node:path';
import { parseFederationSpec } from '../../connection/federation-spec.ts';
import type { Emulator } from '../../emulator/index.ts';
import { writePrivateFileAtomic } from '../../secrets/private-files.ts';

/** An hour, as a Kubernetes projected token; a GitHub Actions token lives minutes. */
const SANDBOX_TOKEN_SECONDS = 3600;

/** Checked before the emulator starts: a bad spec is a usage error like --federation's. */
export function sandboxTokenSpec(spec: string | undefined) {
  return spec === undefined ? undefined : parseFederationSpec(spec);
}

export async function writeSandboxToken(
  emulator: Pick<Emulator, 'oidc'>,
  directory: string,
  spec: NonNullable<ReturnType<typeof sandboxTokenSpec>>,
): Promise<{ file: string; expiresOn: string }> {
  const file = join(directory, 'federated-token.jwt');
  const token = emulator.oidc.mint({ issuer: spec.issuer, subject: spec.subject, expiresInSeconds: SANDBOX_TOKEN_SECONDS });
  await writePrivateFileAtomic(file, token);
  return { file, expiresOn: new Date(Date.now() + SANDBOX_TOKEN_SECONDS * 1000).toISOString() };
}
