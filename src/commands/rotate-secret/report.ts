import type { Profile } from '../../profiles/profile.ts';
import { parseConnectionString } from '../../secrets/connection-string.ts';
import type { DeliveryResult } from '../../steps/deliver-destinations.ts';

export interface ProfileResult {
  profile: string;
  ok: boolean;
  rotated?: boolean;
  resumed?: boolean;
  credential?: { type: string; keyId: string; expiresOn: string; thumbprint?: string };
  environment?: string;
  clientId?: string;
  revoked?: string[];
  pendingRevocation?: NonNullable<Profile['pendingRevocation']>;
  error?: { code: string; message: string; hint?: string };
  /** The destinations (--push) this run delivered to. */
  destinations?: DeliveryResult[];
  /** Never in --json; printed only with --show-secret. */
  connectionString?: string;
  /** Never in --json: a delegated app's integration takes the new client secret, not an app-only connection string. */
  delegated?: boolean;
  exitCode?: number;
}

export function formatResults(results: ProfileResult[], options: { showSecret: boolean; finish: boolean; vault: string }): string {
  if (!results.length) return 'No profile needs rotating.';
  const lines: string[] = [];
  for (const r of results) {
    if (!r.ok) {
      lines.push(`${r.profile}: FAILED: ${r.error?.message ?? 'unknown error'}`);
      continue;
    }
    const kind = r.credential!.type === 'secret' ? 'client secret' : 'certificate';
    if (r.rotated) {
      lines.push(`${r.profile}: new ${kind} in use (key id ${r.credential!.keyId}), expires ${r.credential!.expiresOn.slice(0, 10)}.`);
      lines.push(`  Update every integration that connects as client id ${r.clientId} to ${r.environment}:`);
      if (r.credential!.type === 'certificate') lines.push(`  it must use the certificate with thumbprint ${r.credential!.thumbprint}.`);
      if (r.delegated) lines.push(...delegatedHandOver(r, options));
      else if (options.showSecret && r.connectionString) lines.push(`  Connection string: ${r.connectionString}`);
      else lines.push(`  its new connection string is in ${options.vault}; print it with: dynauth export --profile ${r.profile}`);
    } else {
      lines.push(`${r.profile}: ${kind} ${r.credential!.keyId} in use, expires ${r.credential!.expiresOn.slice(0, 10)}.`);
    }
    for (const d of r.destinations ?? []) lines.push(`  Delivered to ${d.label}: ${d.summary ?? ''}.`);
    if (r.revoked?.length) lines.push(`  Revoked: ${r.revoked.join(', ')}.`);
    for (const entry of r.pendingRevocation ?? []) {
      lines.push(
        `  Still valid until revoked: ${entry.type} ${entry.keyId} (expires ${entry.expiresOn.slice(0, 10)}): dynauth rotate-secret --finish --profile ${r.profile}`,
      );
    }
    lines.push(`  Next expiry: ${r.credential!.expiresOn.slice(0, 10)}.`);
  }
  return lines.join('\n');
}

/** A delegated integration keeps its refresh token; only the client secret of its form changes. */
function delegatedHandOver(r: ProfileResult, options: { showSecret: boolean; vault: string }): string[] {
  const secret = r.connectionString ? parseConnectionString(r.connectionString).clientSecret : undefined;
  if (options.showSecret && secret) return [`  Client secret: ${secret} (the refresh token it holds stays valid)`];
  return [
    `  its new client secret is in ${options.vault} (the refresh token it holds stays valid); print it with: dynauth export --profile ${r.profile} --format fields`,
  ];
}
