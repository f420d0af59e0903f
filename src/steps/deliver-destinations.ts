// A profile's destinations (--push) kept in step with its credential. Each destination records the
// key it last received; one that lacks the current key gets it, and only then is it recorded, so a
// run cut short or refused somewhere is finished by running again (nothing is delivered twice).
import type { TokenSource } from '../auth/token-source.ts';
import { DynauthError, UsageError } from '../cli/errors.ts';
import type { Cloud } from '../clouds.ts';
import { credentialFrom } from '../connection/credential.ts';
import type { Storage } from '../connection/storage.ts';
import type { Deps } from '../deps.ts';
import type { DeliveryParts, DestinationDeps } from '../destinations/destination.ts';
import { openDestination } from '../destinations/open.ts';
import { parseDestinationSpec, type DestinationSpec } from '../destinations/spec.ts';
import type { DestinationFacts, Profile } from '../profiles/profile.ts';

export interface DeliveryContext {
  deps: Pick<Deps, 'http' | 'env' | 'redactor' | 'cancellation' | 'ui' | 'clock'>;
  cloud: Cloud;
  storage: Storage;
  /** The admin's tokens (for Key Vault); asked for only when a destination needs them. */
  adminToken: () => Promise<TokenSource>;
}

export interface DeliveryResult {
  spec: string;
  label: string;
  ok: boolean;
  keyId?: string;
  summary?: string;
  error?: { code: string; message: string; hint?: string };
}

/** --push values (and DYNAUTH_PUSH), parsed before anything is done: a bad one is a usage error. */
export function parsePushSpecs(values: string[], cloud: Cloud): DestinationSpec[] {
  const specs = values.map((value) => parseDestinationSpec(value, cloud));
  const seen = new Set<string>();
  for (const spec of specs) {
    if (seen.has(spec.spec)) throw new UsageError(`--push ${spec.spec} is given twice.`, { code: 'bad-destination' });
    seen.add(spec.spec);
  }
  return specs;
}

/** The profile with these destinations remembered beside the ones it had (each once). */
export function withDestinations(profile: Profile, specs: DestinationSpec[]): Profile {
  const known = profile.destinations ?? [];
  const added = specs.filter((spec) => !known.some((d) => d.spec === spec.spec)).map((spec) => ({ spec: spec.spec }));
  return added.length ? { ...profile, destinations: [...known, ...added] } : profile;
}

/** Whether a destination lacks the profile's current key (a profile without a key: whether it was ever delivered to). */
export function isStale(profile: Profile, destination: DestinationFacts): boolean {
  const keyId = profile.credential?.keyId;
  return keyId === undefined ? destination.lastDeliveredOn === undefined : destination.lastKeyId !== keyId;
}

/**
 * Delivers the profile's current credential to every destination that lacks it, recording each that
 * took it. Every destination is tried; if any failed, a DestinationError names them all after.
 */
export async function deliverToDestinations<P extends Profile>(
  ctx: DeliveryContext,
  start: P,
): Promise<{ profile: P; results: DeliveryResult[] }> {
  let profile: P = start;
  const due = (profile.destinations ?? []).filter((destination) => isStale(profile, destination));
  if (!due.length) return { profile, results: [] };
  const parts = await partsOf(ctx.storage, profile);
  for (const secret of [parts.key?.kind === 'secret' ? parts.key.clientSecret : parts.key?.pem, parts.connectionString]) {
    if (secret) ctx.deps.redactor.add(secret);
  }
  const destinationDeps: DestinationDeps = {
    http: ctx.deps.http,
    env: ctx.deps.env,
    cloud: ctx.cloud,
    redactor: ctx.deps.redactor,
    signal: ctx.deps.cancellation.signal,
    adminToken: ctx.adminToken,
  };
  const results: DeliveryResult[] = [];
  for (const facts of due) {
    let label = facts.spec;
    try {
      // The profile is read as untrusted input: its specs are checked as strictly as the flag was.
      const destination = openDestination(parseDestinationSpec(facts.spec, ctx.cloud), destinationDeps);
      label = destination.label;
      ctx.deps.ui.step(`Delivering ${profile.name}'s credential to ${label}…`);
      const receipt = await destination.deliver(parts);
      profile = await record(ctx, profile, facts.spec, receipt.keyId);
      ctx.deps.ui.success(`${label}: ${receipt.summary}`);
      results.push({ spec: facts.spec, label, ok: true, ...(receipt.keyId ? { keyId: receipt.keyId } : {}), summary: receipt.summary });
    } catch (error) {
      if (ctx.deps.cancellation.signal.aborted) throw error;
      const known = error instanceof DynauthError ? error : undefined;
      const message = error instanceof Error ? error.message : String(error);
      ctx.deps.ui.error(message.startsWith(label) ? message : `${label}: ${message}`, known?.hint);
      results.push({
        spec: facts.spec,
        label,
        ok: false,
        error: { code: known?.code ?? 'destination-failed', message, ...(known?.hint ? { hint: known.hint } : {}) },
      });
    }
  }
  const failed = results.filter((r) => !r.ok);
  if (failed.length) throw new DeliveryFailedError(profile, failed, results);
  return { profile, results };
}

/** Some destinations did not take the credential: the caller stops what depends on them (revoking the old key). */
export class DeliveryFailedError extends DynauthError {
  readonly results: DeliveryResult[];
  readonly profile: Profile;
  constructor(profile: Profile, failed: DeliveryResult[], results: DeliveryResult[]) {
    super(
      `${failed.length === 1 ? 'A destination' : `${failed.length} destinations`} of profile "${profile.name}" did not receive the current credential: ${failed.map((f) => f.label).join(', ')}.`,
      {
        hint: `Fix what is said above, then run dynauth rotate-secret --profile ${profile.name} again: it delivers what is missing (nothing twice) before any old credential is revoked.`,
        code: 'destination-failed',
      },
    );
    this.name = 'DeliveryFailedError';
    this.results = results;
    this.profile = profile;
  }
}

async function partsOf(storage: Storage, profile: Profile): Promise<DeliveryParts> {
  const base = { profile: profile.name, tenantId: profile.tenantId, clientId: profile.clientId, environmentUrl: profile.environment.url };
  if (!profile.credential) return base;
  const stored = await storage.vault.loadConnection(profile.name);
  const credential = stored && credentialFrom(stored, profile.credential);
  if (!stored || !credential) {
    throw new DynauthError(`No stored credential for profile "${profile.name}" in ${storage.vault.description} to deliver.`, {
      hint: `Run dynauth init --profile ${profile.name} again: it reuses the app and mints a new secret.`,
      code: 'keychain-missing',
    });
  }
  const key =
    credential.kind === 'secret'
      ? { kind: 'secret' as const, keyId: credential.keyId, expiresOn: credential.expiresOn, clientSecret: credential.clientSecret }
      : {
          kind: 'certificate' as const,
          keyId: credential.keyId,
          expiresOn: credential.expiresOn,
          thumbprint: credential.thumbprint,
          pem: `${credential.privateKeyPem}${credential.certificatePem}`,
        };
  return { ...base, key, connectionString: stored.connectionString };
}

async function record<P extends Profile>(ctx: DeliveryContext, profile: P, spec: string, keyId: string | undefined): Promise<P> {
  const now = ctx.deps.clock.now().toISOString();
  const destinations = (profile.destinations ?? []).map((d) =>
    d.spec === spec ? { spec, ...(keyId ? { lastKeyId: keyId } : {}), lastDeliveredOn: now } : d,
  );
  const updated = { ...profile, destinations, updatedOn: now };
  await ctx.storage.profiles.write(updated);
  return updated;
}
