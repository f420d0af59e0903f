// One interface for every place a connection is delivered to (--push): what is delivered, what
// each destination needs from dynauth, and the error a refused delivery becomes.
import { DynauthError } from '../cli/errors.ts';
import type { TokenSource } from '../auth/token-source.ts';
import type { Cloud } from '../clouds.ts';
import type { Http } from '../http/http.ts';
import type { Redactor } from '../secrets/redact.ts';
import type { DestinationSpec } from './spec.ts';

/** The key a connection signs in with, secret part included. */
export type DeliveredKey =
  | { kind: 'secret'; keyId: string; expiresOn: string; clientSecret: string }
  | { kind: 'certificate'; keyId: string; expiresOn: string; thumbprint: string /** private key then certificate */; pem: string };

/** What is delivered: the connection's public parts, and its key unless it has none (a federated profile). */
export interface DeliveryParts {
  profile: string;
  tenantId: string;
  clientId: string;
  environmentUrl: string;
  key?: DeliveredKey;
  /** The Dataverse connection string (with the secret, or the certificate's thumbprint); absent without a key. */
  connectionString?: string;
}

/** What a destination says it received. */
export interface Receipt {
  /** The key it now holds (undefined when only the public parts went). */
  keyId?: string;
  /** For the user: "4 Actions secrets", "secret dataverse-prod (version 3f…)". */
  summary: string;
}

export interface Destination {
  spec: DestinationSpec;
  /** For the user: "GitHub contoso/deploy (environment production)". */
  label: string;
  deliver(parts: DeliveryParts): Promise<Receipt>;
}

export interface DestinationDeps {
  http: Http;
  env: Record<string, string | undefined>;
  cloud: Cloud;
  redactor: Redactor;
  signal: AbortSignal;
  /** The admin's tokens (Key Vault), signed in only when a destination needs them. */
  adminToken: () => Promise<TokenSource>;
  /** Runs a program without a shell (gh auth token); its stdout. */
  runProgram?: (file: string, args: string[]) => Promise<string>;
}

/** A destination refused or could not be reached: nothing of the rotation that depends on it (revocation) goes on. */
export class DestinationError extends DynauthError {
  constructor(label: string, message: string, options: { hint?: string; code?: string; cause?: unknown } = {}) {
    super(`${label}: ${message}`, { ...options, code: options.code ?? 'destination-failed' });
    this.name = 'DestinationError';
  }
}
