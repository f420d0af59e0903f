// The only calls dynauth makes on an app's credentials: add a certificate, remove a key by keyId
// (revocation, and undoing a key nobody holds). Other credentials on the app (made by hand, by
// other tools) are never touched.
import { DynauthError } from '../cli/errors.ts';
import { ApiError } from '../clients/api-error.ts';
import type { Application, GraphApi, KeyCredential } from '../clients/graph.ts';
import type { CredentialType } from '../profiles/profile.ts';
import { certificateDer, type CredentialFacts } from './credential.ts';

const KEPT_KEYS_HINT = 'Change the certificates in the Azure portal, or rotate with a client secret.';

export function onApp(app: Application, keyId: string): boolean {
  return [...app.passwordCredentials, ...app.keyCredentials].some((key) => key.keyId === keyId);
}

/** The keyCredential that puts a certificate's public part on the app. */
export function keyCredentialFor(
  certificate: Pick<CredentialFacts, 'keyId' | 'expiresOn'> & { certificatePem: string },
  displayName: string,
  startDateTime?: string,
): KeyCredential {
  return {
    keyId: certificate.keyId,
    type: 'AsymmetricX509Cert',
    usage: 'Verify',
    key: certificateDer(certificate.certificatePem).toString('base64'),
    displayName,
    ...(startDateTime ? { startDateTime } : {}),
    endDateTime: certificate.expiresOn,
  };
}

/**
 * Adds a certificate, keeping every other keyCredential (PATCH replaces the whole collection); one
 * already there (a lost answer to an upload that happened) is not added twice.
 */
export async function addKeyCredential(
  graph: GraphApi,
  app: Pick<Application, 'id'>,
  added: KeyCredential,
  hint = KEPT_KEYS_HINT,
): Promise<void> {
  const current = await graph.getApplication(app.id);
  if (current.keyCredentials.some((key) => key.keyId === added.keyId)) return;
  await graph.setKeyCredentials(app.id, [...keptKeys(current.keyCredentials, hint), added]);
}

/**
 * Removes one credential by keyId; one that is gone already counts as removed. A secret is removed
 * by keyId without reading the app first: a read may lag behind a secret added moments ago, and
 * skipping it then would leave a valid secret behind.
 */
export async function removeCredential(graph: GraphApi, applicationId: string, type: CredentialType, keyId: string): Promise<void> {
  if (type === 'secret') {
    try {
      await graph.removePassword(applicationId, keyId);
    } catch (error) {
      // Graph has no such key (removed by a run whose answer was lost, or by hand): done.
      if (
        error instanceof ApiError &&
        (error.status === 404 || (error.status === 400 && !onApp(await graph.getApplication(applicationId), keyId)))
      )
        return;
      throw error;
    }
    return;
  }
  const current = await graph.getApplication(applicationId);
  if (!onApp(current, keyId)) return;
  await graph.setKeyCredentials(
    applicationId,
    keptKeys(
      current.keyCredentials.filter((key) => key.keyId !== keyId),
      KEPT_KEYS_HINT,
    ),
  );
}

/** Credentials a run added (their display name carries its marker), e.g. one whose secret was never stored. */
export function markedBy(
  app: Application,
  marker: string,
  kind: 'rotation' | 'init' = 'rotation',
): Array<{ type: CredentialType; keyId: string }> {
  // The marker comes from a profile file: one that is not dynauth's 8 hex digits (an edited "") matches nothing.
  if (!/^[0-9a-f]{8}$/u.test(marker)) return [];
  const marked = (name: string | null | undefined) =>
    typeof name === 'string' && /^dynauth \d{4}-\d\d-\d\d /u.test(name) && name.endsWith(` ${kind} ${marker}`);
  return [
    ...app.passwordCredentials.filter((p) => marked(p.displayName)).map((p) => ({ type: 'secret' as const, keyId: p.keyId })),
    ...app.keyCredentials.filter((k) => marked(k.displayName) && k.keyId).map((k) => ({ type: 'certificate' as const, keyId: k.keyId! })),
  ];
}

function keptKeys(keys: KeyCredential[], hint: string): KeyCredential[] {
  if (keys.some((key) => !key.key)) {
    // Without their public keys the others would be lost by the PATCH.
    throw new DynauthError(
      'Entra did not return the public keys of the certificates on the app, so changing them could remove certificates dynauth did not create.',
      { hint },
    );
  }
  return keys;
}
