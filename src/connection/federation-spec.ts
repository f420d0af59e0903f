// What `--federation <spec>` means: the issuer and subject of one federated identity credential on
// the app (learn.microsoft.com/entra/workload-id/workload-identity-federation), and its name there.
//   github:OWNER/REPO:environment:NAME | :ref:refs/heads/BRANCH | :ref:refs/tags/TAG | :pull_request
//   github:repo:…  or  github:subject:…   a raw subject (immutable repo:owner-ID/repo-ID subjects,
//                                          or an organisation's customised subject template)
//   azure-devops:ISSUER:SUBJECT            as the service connection shows them
//   kubernetes:ISSUER:NAMESPACE:SERVICEACCOUNT
//   oidc:ISSUER:SUBJECT                    anything else
import { createHash } from 'node:crypto';
import { UsageError } from '../cli/errors.ts';

/** GitHub Actions' token issuer (docs.github.com, "About security hardening with OpenID Connect"). */
export const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com';
/** The audience Entra expects in the platform's token (learn.microsoft.com/graph/api/resources/federatedidentitycredential). */
export const TOKEN_EXCHANGE_AUDIENCE = 'api://AzureADTokenExchange';
/** Graph: a federated identity credential's name is at most 120 characters; issuer and subject 600. */
const MAX_NAME = 120;
const MAX_CLAIM = 600;

export type FederationPlatform = 'github' | 'azure-devops' | 'kubernetes' | 'oidc';

export interface FederationSpec {
  /** As typed. */
  spec: string;
  platform: FederationPlatform;
  issuer: string;
  subject: string;
  /** The credential's name on the app, derived from the spec (unique per app, URL-friendly). */
  name: string;
  /** GitHub specs in the OWNER/REPO form: what a workflow needs to say to get this subject. */
  github?: { repository: string; environment?: string; ref?: string; pullRequest?: boolean };
  /** Things the user should know (an issuer that retires, a subject that looks wrong). */
  notes: string[];
}

const FORMS = [
  'github:OWNER/REPO:environment:NAME',
  'github:OWNER/REPO:ref:refs/heads/BRANCH',
  'github:OWNER/REPO:ref:refs/tags/TAG',
  'github:OWNER/REPO:pull_request',
  'github:subject:<raw subject>',
  'azure-devops:ISSUER:SUBJECT',
  'kubernetes:ISSUER:NAMESPACE:SERVICEACCOUNT',
  'oidc:ISSUER:SUBJECT',
];

function bad(spec: string, why: string): never {
  throw new UsageError(`--federation "${spec}": ${why}`, { hint: `Forms: ${FORMS.join(', ')}.`, code: 'bad-federation-spec' });
}

export function parseFederationSpec(spec: string): FederationSpec {
  const text = spec.trim();
  // Control characters would reach a terminal and Entra as they are.
  if (/\p{Cc}/u.test(text)) bad(spec.replace(/\p{Cc}/gu, '?'), 'contains a control character.');
  const colon = text.indexOf(':');
  const kind = colon > 0 ? text.slice(0, colon).toLowerCase() : '';
  const rest = text.slice(colon + 1);
  let parsed: Omit<FederationSpec, 'name' | 'spec'>;
  switch (kind) {
    case 'github':
      parsed = github(text, rest);
      break;
    case 'azure-devops':
      parsed = azureDevOps(text, rest);
      break;
    case 'kubernetes':
      parsed = kubernetes(text, rest);
      break;
    case 'oidc': {
      const { issuer, tail } = issuerAndTail(text, rest);
      parsed = { platform: 'oidc', issuer, subject: claim(text, tail, 'subject'), notes: [] };
      break;
    }
    default:
      bad(text, 'it starts with none of github:, azure-devops:, kubernetes:, oidc:.');
  }
  return { spec: text, ...parsed, name: nameFor(parsed.platform, parsed.issuer, parsed.subject) };
}

/** Several specs: each parsed, and no two for the same issuer and subject (Graph refuses the pair twice). */
export function parseFederationSpecs(specs: string[]): FederationSpec[] {
  const parsed = specs.map(parseFederationSpec);
  const seen = new Map<string, string>();
  for (const one of parsed) {
    const key = `${one.issuer}\n${one.subject}`;
    const earlier = seen.get(key);
    if (earlier) bad(one.spec, `it names the same issuer and subject as "${earlier}".`);
    seen.set(key, one.spec);
  }
  return parsed;
}

function github(spec: string, rest: string): Omit<FederationSpec, 'name' | 'spec'> {
  const raw = /^subject:(.+)$/s.exec(rest)?.[1] ?? (rest.startsWith('repo:') ? rest : undefined);
  if (raw !== undefined) {
    return {
      platform: 'github',
      issuer: GITHUB_ISSUER,
      subject: claim(spec, raw, 'subject'),
      notes: [],
    };
  }
  const match = /^([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))\/([A-Za-z0-9._-]{1,100}):(.+)$/s.exec(rest);
  if (!match) {
    if (/^[^:]+\/[^:]+$/.test(rest))
      bad(spec, 'say which workflows may sign in: add :environment:NAME, :ref:refs/heads/BRANCH, :ref:refs/tags/TAG or :pull_request.');
    bad(spec, 'expected github:OWNER/REPO followed by :environment:NAME, :ref:refs/heads/BRANCH, :ref:refs/tags/TAG or :pull_request.');
  }
  const [, owner, repo, qualifier] = match as unknown as [string, string, string, string];
  const repository = `${owner}/${repo}`;
  const base = { platform: 'github' as const, issuer: GITHUB_ISSUER, notes: [] };
  // Subject formats: docs.github.com/actions/security-for-github-actions/security-hardening-your-deployments/about-security-hardening-with-openid-connect#example-subject-claims
  if (qualifier === 'pull_request')
    return { ...base, subject: `repo:${repository}:pull_request`, github: { repository, pullRequest: true } };
  const environment = /^environment:(.+)$/s.exec(qualifier)?.[1];
  if (environment !== undefined) {
    if (environment.length > 255) bad(spec, 'a GitHub environment name is at most 255 characters.');
    return {
      ...base,
      subject: claim(spec, `repo:${repository}:environment:${environment}`, 'subject'),
      github: { repository, environment },
    };
  }
  const ref = /^ref:(refs\/(?:heads|tags)\/.+)$/s.exec(qualifier)?.[1];
  if (ref !== undefined) return { ...base, subject: claim(spec, `repo:${repository}:ref:${ref}`, 'subject'), github: { repository, ref } };
  if (qualifier.startsWith('ref:')) bad(spec, 'a ref is refs/heads/BRANCH or refs/tags/TAG.');
  return bad(spec, `"${qualifier}" is none of environment:NAME, ref:refs/heads/BRANCH, ref:refs/tags/TAG, pull_request.`);
}

function azureDevOps(spec: string, rest: string): Omit<FederationSpec, 'name' | 'spec'> {
  const { issuer, tail } = issuerAndTail(spec, rest);
  const subject = claim(spec, tail, 'subject');
  const notes: string[] = [];
  const host = new URL(issuer).hostname.toLowerCase();
  // learn.microsoft.com/azure/devops/pipelines/release/configure-workload-identity: new service
  // connections use Entra's own issuer and an /eid1/… subject; the vstoken issuer is being retired.
  if (host === 'vstoken.dev.azure.com') {
    notes.push(
      'This is the older Azure DevOps issuer (vstoken.dev.azure.com), which Microsoft retires in 2027: convert the service connection to the new issuer (https://login.microsoftonline.com/<tenant>/v2.0) and add its /eid1/… subject as well.',
    );
  } else if (/^login\.microsoftonline\.(com|us)$|^login\.chinacloudapi\.cn$/.test(host) && !subject.startsWith('/eid1/')) {
    notes.push(
      `An Azure DevOps service connection with this issuer shows a subject starting with /eid1/; "${subject}" does not. Copy both from the service connection.`,
    );
  }
  return { platform: 'azure-devops', issuer, subject, notes };
}

function kubernetes(spec: string, rest: string): Omit<FederationSpec, 'name' | 'spec'> {
  const { issuer, tail } = issuerAndTail(spec, rest);
  const match = /^([a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?):([a-z0-9](?:[-a-z0-9.]{0,251}[a-z0-9])?)$/.exec(tail);
  if (!match) bad(spec, 'expected kubernetes:ISSUER:NAMESPACE:SERVICEACCOUNT (lower-case Kubernetes names).');
  // The subject of a projected service account token (azure.github.io/azure-workload-identity).
  return { platform: 'kubernetes', issuer, subject: `system:serviceaccount:${match[1]}:${match[2]}`, notes: [] };
}

/** An https issuer URL (a port is allowed), then ':' and what follows. */
function issuerAndTail(spec: string, rest: string): { issuer: string; tail: string } {
  const match = /^(https:\/\/[^/:\s]+(?::\d+)?(?:\/[^:\s]*)?):(.+)$/s.exec(rest);
  if (!match) bad(spec, 'the issuer must be an https:// URL, followed by ":" and the rest.');
  const issuer = claim(spec, match[1]!, 'issuer');
  try {
    new URL(issuer);
  } catch {
    bad(spec, `"${issuer}" is not a URL.`);
  }
  return { issuer, tail: match[2]! };
}

function claim(spec: string, value: string, what: string): string {
  if (!value.trim()) bad(spec, `the ${what} is empty.`);
  if (value.length > MAX_CLAIM) bad(spec, `the ${what} is longer than the ${MAX_CLAIM} characters Entra allows.`);
  return value;
}

/**
 * A URL-friendly name from the platform and subject; when other characters had to be replaced or
 * the name cut, a short hash of issuer and subject keeps different specs apart.
 */
export function nameFor(platform: FederationPlatform, issuer: string, subject: string): string {
  const readable = `${platform}-${subject.replace(/^repo:/, '').replace(/^system:serviceaccount:/, '')}`;
  const cleaned = readableName(platform, subject);
  // ':' and '/' only separate a subject's parts, so turning them into '-' keeps the name readable. It
  // does not name the issuer, so two issuers with one subject share it: see hashedNameFor.
  const lossless = cleaned === readable.replace(/[:/]+/g, '-').replace(/-+/g, '-').replace(/-$/, '') && cleaned.length <= MAX_NAME;
  return lossless ? cleaned : withHash(cleaned, issuer, subject);
}

/**
 * The name with a short hash of issuer and subject: for a spec whose readable name the app already
 * gives another issuer or subject (two clusters' same service account, owner "a-b" repo "c" and owner "a" repo "b-c").
 */
export function hashedNameFor(spec: Pick<FederationSpec, 'platform' | 'issuer' | 'subject'>): string {
  return withHash(readableName(spec.platform, spec.subject), spec.issuer, spec.subject);
}

function readableName(platform: FederationPlatform, subject: string): string {
  return `${platform}-${subject.replace(/^repo:/, '').replace(/^system:serviceaccount:/, '')}`
    .replace(/[^A-Za-z0-9_-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/-$/, '');
}

function withHash(readable: string, issuer: string, subject: string): string {
  const hash = createHash('sha256').update(`${issuer}\n${subject}`).digest('hex').slice(0, 8);
  return `${readable.slice(0, MAX_NAME - 9)}-${hash}`;
}
