import type { Ui } from '../../cli/ui.ts';
import type { Cloud } from '../../clouds.ts';
import type { AdminSession } from '../../steps/sign-in-admin.ts';
import type { Applied } from './apply.ts';
import { proveCommand, snippetFactsOf, snippetFor } from './federation-snippets.ts';

/** `delivered`: the --push destinations that received the credential, so the summary does not say it is only in the store. */
export function printSummary(ui: Ui, applied: Applied, showSecret: boolean, delivered: string[] = []): void {
  const { credential } = applied;
  if (!credential) {
    printFederatedSummary(ui, applied);
    return;
  }
  const kind = credential.kind === 'secret' ? 'client secret' : `certificate (thumbprint ${credential.thumbprint})`;
  ui.info('');
  ui.info(ui.style.bold('Done.'));
  ui.info(`  Created: ${applied.outcome.created.map(describe).join(', ') || 'nothing (everything existed)'}`);
  if (applied.outcome.reused.length) ui.info(`  Reused:  ${applied.outcome.reused.map(describe).join(', ')}`);
  ui.info(`  Client id: ${applied.app.appId}`);
  for (const { profile } of applied.profiles) {
    ui.info(
      `  Profile "${profile.name}": ${profile.environment.url}; secret stored as "${profile.keychain.account}" in ${applied.storedIn}`,
    );
  }
  ui.info(
    `  The ${kind} expires on ${credential.expiresOn.slice(0, 10)}. Renew it before then with: dynauth rotate-secret --profile ${applied.profiles[0]?.profile.name ?? ''}`,
  );
  if (showSecret && credential.kind === 'secret') ui.revealSecret('Client secret', credential.clientSecret);
  else
    ui.info(
      `  The ${credential.kind === 'secret' ? 'secret' : 'private key'} is ${delivered.length ? `in ${applied.storedIn} and ${delivered.join(', ')}` : `only in ${applied.storedIn}`}; the product that connects gets it with: dynauth export --profile ${applied.profiles[0]?.profile.name ?? ''}`,
    );
  ui.info(`  Next: dynauth test-connection --profile ${applied.profiles[0]?.profile.name ?? ''}`);
}

/** The --json result: one object, never a secret. With several environments, one entry each. */
export function summaryJson(cloud: Cloud, session: AdminSession, applied: Applied): unknown {
  const entries = applied.profiles.map(({ profile }) => ({
    profile: profile.name,
    cloud: cloud.name,
    tenantId: session.tenantId,
    clientId: applied.app.appId,
    applicationObjectId: applied.app.id,
    servicePrincipalId: applied.servicePrincipal.id,
    environment: { id: profile.environment.id, url: profile.environment.url, uniqueName: profile.environment.uniqueName },
    applicationUserId: profile.applicationUserId,
    businessUnitId: profile.businessUnitId,
    roles: profile.roles,
    credential: profile.credential && {
      type: profile.credential.type,
      ...(profile.credential.type === 'secret' ? { keyId: profile.credential.keyId } : { thumbprint: profile.credential.thumbprint }),
      expiresOn: profile.credential.expiresOn,
    },
    keychain: { service: profile.keychain.service, account: profile.keychain.account },
    ...(profile.federation
      ? { federation: profile.federation.map((f) => ({ name: f.name, issuer: f.issuer, subject: f.subject, spec: f.spec })) }
      : {}),
    created: applied.outcome.created,
    reused: applied.outcome.reused,
  }));
  return entries.length === 1 ? entries[0] : { profiles: entries };
}

/** A federated setup: nothing was stored; what each pipeline needs, ready to paste. */
function printFederatedSummary(ui: Ui, applied: Applied): void {
  ui.info('');
  ui.info(ui.style.bold('Done.'));
  ui.info(`  Created: ${applied.outcome.created.map(describe).join(', ') || 'nothing (everything existed)'}`);
  if (applied.outcome.reused.length) ui.info(`  Reused:  ${applied.outcome.reused.map(describe).join(', ')}`);
  ui.info(`  Client id: ${applied.app.appId}`);
  for (const { profile } of applied.profiles)
    ui.info(`  Profile "${profile.name}": ${profile.environment.url}; no secret exists, nothing was stored`);
  const first = applied.profiles[0]?.profile;
  if (!first) return;
  for (const federation of applied.federation) {
    ui.info('');
    ui.info(ui.style.bold(`For ${federation.spec} (federated credential "${federation.name}"):`));
    ui.info(snippetFor(federation, snippetFactsOf(first)));
  }
  ui.info('');
  ui.info(`  Next: from the pipeline, ${proveCommand(snippetFactsOf(first), "<the platform's token file>")}`);
}

const WORDS: Record<string, string> = {
  application: 'app registration',
  servicePrincipal: 'service principal',
  dynamicsCrmServicePrincipal: 'Dynamics CRM service principal',
  adminConsent: 'admin consent',
  clientSecret: 'client secret',
  certificate: 'certificate',
  credential: 'credential',
  applicationUser: 'application user',
  securityRole: 'security role',
  securityRolePrivileges: 'privileges of security role',
  roleAssignment: 'assignment of role',
  federatedCredential: 'federated credential',
  delegatedPlatform: 'redirect URIs and sign-in permissions of the app',
};

/** An outcome id of the JSON result ("securityRole:dynauth read-only@contoso") in the user's words. */
export function describeOutcome(id: string): string {
  return describe(id);
}

function describe(id: string): string {
  const match = /^(\w+)(?::(.+?))?(?:@(.+))?$/.exec(id);
  if (!match) return id;
  const [, kind, name, where] = match;
  // Two consents in a delegated setup: each says to which API ("adminConsent" alone is Dynamics CRM's).
  if (kind === 'adminConsent') return `admin consent for ${name ?? 'Dynamics CRM'}${where ? ` (${where})` : ''}`;
  return `${WORDS[kind!] ?? kind}${name ? ` "${name}"` : ''}${where ? ` (${where})` : ''}`;
}
