// Minting a credential, for init and rotation alike. A client secret exists on the app the moment
// addPassword answers, so it is recorded at once and removed again if it cannot be; a certificate
// is made here and recorded before its public part goes on the app (addKeyCredential).
import { randomUUID } from 'node:crypto';
import type { Application, GraphApi } from '../clients/graph.ts';
import { createSelfSignedCertificate } from '../crypto/x509.ts';
import { addDays } from '../util/duration.ts';
import { removeCredential } from './app-credentials.ts';
import type { CertificateCredential, ClientSecretCredential } from './credential.ts';

export interface NewKey {
  /** The key's description on the app: it names who made it ("dynauth 2026-01-31 init 1a2b3c4d"). */
  displayName: string;
  lifetimeDays: number;
  now: Date;
}

/**
 * A new client secret, handed to `record` (the store) before anything else happens. `refused` turns
 * Graph's refusal into the caller's words (and may clean up first); a secret that cannot be recorded
 * is removed from the app: nobody holds it, and a valid secret left there would only be a liability.
 */
export async function mintSecret(
  graph: GraphApi,
  app: Pick<Application, 'id'>,
  key: NewKey,
  record: (credential: ClientSecretCredential) => Promise<void>,
  refused: (error: unknown) => Promise<unknown> = async (error) => error,
): Promise<ClientSecretCredential> {
  const password = await graph
    .addPassword(app.id, { displayName: key.displayName, endDateTime: addDays(key.now, key.lifetimeDays).toISOString() })
    .catch(async (error: unknown) => {
      throw await refused(error);
    });
  const credential: ClientSecretCredential = {
    kind: 'secret',
    clientSecret: password.secretText,
    keyId: password.keyId,
    expiresOn: password.endDateTime,
  };
  try {
    await record(credential);
  } catch (error) {
    await removeCredential(graph, app.id, 'secret', password.keyId).catch(() => undefined);
    throw error;
  }
  return credential;
}

/** A new self-signed certificate with a fresh key id; `notBefore` is when it becomes valid. */
export function mintCertificate(
  commonName: string,
  lifetimeDays: number,
  now: Date,
): { credential: CertificateCredential; notBefore: Date } {
  const certificate = createSelfSignedCertificate({ commonName, validDays: lifetimeDays, now });
  return {
    credential: {
      kind: 'certificate',
      keyId: randomUUID(),
      expiresOn: certificate.notAfter.toISOString(),
      thumbprint: certificate.thumbprint,
      certificatePem: certificate.certPem,
      privateKeyPem: certificate.keyPem,
    },
    notBefore: certificate.notBefore,
  };
}
