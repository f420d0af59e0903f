// --federation and --credential federated as init's flags read them (kept apart from flags.ts's
// InitFlags so that neither file needs the other's types in a cycle).
import { UsageError } from '../../cli/errors.ts';
import { readList, readText, type FlagValues } from '../../cli/flags/read.ts';
import { parseFederationSpecs, type FederationSpec } from '../../connection/federation-spec.ts';

type Credential = 'secret' | 'certificate' | 'federated' | undefined;

/** --federation (repeatable, DYNAUTH_FEDERATION) implies --credential federated; what has no meaning beside it is refused. */
export function readFederationFlags(
  options: FlagValues,
  credential: Credential,
  others: { lifetimeDays: number | undefined; certificateOut: string | undefined },
): { credential: Credential; federation: FederationSpec[] } {
  const federation = parseFederationSpecs(readList(options, 'federation'));
  if (federation.length && credential && credential !== 'federated') {
    throw new UsageError(`--federation goes with --credential federated, not --credential ${credential}.`);
  }
  const chosen = federation.length ? 'federated' : credential;
  if (chosen !== 'federated') return { credential: chosen, federation };
  const refused = [
    others.lifetimeDays !== undefined && '--secret-expiry',
    options.showSecret === true && '--show-secret',
    readText(options, 'flow') === 'delegated' && '--flow delegated',
  ].filter(Boolean);
  if (refused.length) {
    throw new UsageError(`--credential federated makes no secret or certificate: ${refused.join(', ')} do not apply.`, {
      hint: 'A pipeline signs in with its own platform token; leave those flags out.',
    });
  }
  return { credential: chosen, federation };
}

/** Without a terminal, a federated setup with no --federation is a missing answer. */
export function missingFederation(flags: { credential: Credential; federation: FederationSpec[] }): string[] {
  return flags.credential === 'federated' && !flags.federation.length
    ? ['--federation <github:OWNER/REPO:environment:NAME | azure-devops:ISSUER:SUBJECT | kubernetes:ISSUER:NS:SA | oidc:ISSUER:SUBJECT>']
    : [];
}
