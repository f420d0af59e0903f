// init --credential federated, before anything is made: the flags, the question a terminal asks,
// what the app already has, and whether the specs fit beside it.
import { MissingInputError, UsageError } from '../../cli/errors.ts';
import { missingFederation } from './federation-flags.ts';
import type { FederatedCredential } from '../../clients/graph.ts';
import { hashedNameFor, parseFederationSpec, type FederationSpec } from '../../connection/federation-spec.ts';
import type { Deps } from '../../deps.ts';
import type { AdminSession } from '../../steps/sign-in-admin.ts';
import type { InitFlags } from './flags.ts';
import type { Discovery, InitAnswers, PlanItem } from './model.ts';

/** Entra: at most 20 federated identity credentials per application (learn.microsoft.com/entra/workload-id/workload-identity-federation-considerations). */
export const MAX_FEDERATED_CREDENTIALS = 20;

export const sameFederation = (
  credential: Pick<FederatedCredential, 'issuer' | 'subject'>,
  spec: Pick<FederationSpec, 'issuer' | 'subject'>,
) => credential.issuer === spec.issuer && credential.subject === spec.subject;

/** The specs of a federated setup (asked for in a terminal when no --federation was given), and their notes said once. */
export async function withFederation(
  deps: Pick<Deps, 'prompter' | 'canPrompt' | 'ui'>,
  flags: Pick<InitFlags, 'federation' | 'yes'>,
  answers: InitAnswers,
): Promise<InitAnswers> {
  if (answers.credential !== 'federated') return answers;
  let federation = flags.federation;
  if (!federation.length) {
    if (!deps.canPrompt || flags.yes) throw new MissingInputError(missingFederation({ credential: 'federated', federation }));
    const spec = await deps.prompter.input({
      message: 'Which pipeline signs in? (e.g. github:OWNER/REPO:environment:production)',
      validate: (value) => {
        try {
          parseFederationSpec(value);
          return true;
        } catch (error) {
          return error instanceof Error ? error.message : String(error);
        }
      },
    });
    federation = [parseFederationSpec(spec)];
  }
  for (const spec of federation) for (const note of spec.notes) deps.ui.warn(note);
  return { ...answers, federation };
}

/** What the app already has, for a federated setup: its federated credentials; a stored secret is not this setup's. */
export async function withFederationFound(session: AdminSession, answers: InitAnswers, found: Discovery): Promise<Discovery> {
  if (answers.credential !== 'federated') return found;
  const federation = found.app ? await session.graph.listFederatedCredentials(found.app.id) : [];
  const discovered = { ...found, credential: undefined, federation };
  assertFederationFits(answers, discovered);
  return discovered;
}

/** Before anything is made: the specs fit beside the app's existing credentials (at most 20). */
export function assertFederationFits(answers: InitAnswers, found: Pick<Discovery, 'federation'>): void {
  const specs = answers.federation ?? [];
  const existing = found.federation ?? [];
  const added = specs.filter((spec) => !existing.some((c) => sameFederation(c, spec)));
  if (existing.length + added.length > MAX_FEDERATED_CREDENTIALS) {
    throw new UsageError(
      `The app has ${existing.length} federated credentials; ${added.length} more would pass Entra's limit of ${MAX_FEDERATED_CREDENTIALS} per app.`,
      {
        hint: 'Remove credentials the app no longer needs, or set up another app (--app-name) for the other pipelines.',
        code: 'too-many-federated-credentials',
      },
    );
  }
}

/**
 * The name each spec's new credential gets (keyed by spec): its readable name, or, when a credential
 * of the app or an earlier spec holds that name for another issuer or subject, the name with a hash
 * of both (names are unique per app: Graph refuses a second with 409).
 */
export function newCredentialNames(
  specs: FederationSpec[],
  existing: Array<Pick<FederatedCredential, 'name' | 'issuer' | 'subject'>>,
): Map<string, string> {
  const taken = new Set(existing.map((c) => c.name.toLowerCase()));
  const names = new Map<string, string>();
  for (const spec of specs) {
    if (existing.some((c) => sameFederation(c, spec))) continue;
    const name = taken.has(spec.name.toLowerCase()) ? hashedNameFor(spec) : spec.name;
    taken.add(name.toLowerCase());
    names.set(spec.spec, name);
  }
  return names;
}

/** The plan's lines for a federated setup, in place of the secret or certificate. */
export function federationPlan(answers: InitAnswers, found: Pick<Discovery, 'federation'>): PlanItem[] {
  const names = newCredentialNames(answers.federation ?? [], found.federation ?? []);
  return (answers.federation ?? []).map((spec) => {
    const existing = (found.federation ?? []).find((c) => sameFederation(c, spec));
    return {
      action: existing ? 'reuse' : 'create',
      what: `federated credential "${existing?.name ?? names.get(spec.spec) ?? spec.name}": tokens from ${spec.issuer} with subject ${spec.subject} (no secret)`,
    };
  });
}
