// The faults a test or the sandbox's --fault flag can inject (faults.ts applies them; hostile-answers.ts
// builds the proxy's and the broken cloud's answers).
import type { ReplicationLag, ServiceName } from './types.ts';

export type Tamper =
  /** "self": the page links to itself; "endless": to a new link every time; else this URL. */
  | { kind: 'next-link'; to: 'self' | 'endless' | (string & {}) }
  /** /organization answers for OTHER_TENANT. */
  | { kind: 'other-tenant' }
  /** Power Platform gives this instanceUrl to the environment with this uniqueName (default every one with Dataverse). */
  | { kind: 'instance-url'; url: string; environment?: string };

export interface HugeBody {
  bytes: number;
  status: number;
  /** Send Content-Length; by default the body is chunked, as a proxy streaming it would send it. */
  declareLength?: boolean;
}

export interface FaultTarget {
  /** Omitted: every service. */
  service?: ServiceName;
  /** Dataverse only: the environment's uniqueName. */
  environment?: string;
  method?: string;
  /** Case-insensitive prefix of the request path (no query string). */
  pathPrefix?: string;
}

export type FaultRule =
  | (FaultTarget & { kind: 'latency'; ms: number; times?: number })
  | (FaultTarget & { kind: 'throttle'; times: number; retryAfterSeconds: number })
  | (FaultTarget & { kind: 'unavailable'; times: number; retryAfterSeconds?: number })
  | (FaultTarget & { kind: 'drop'; times: number })
  /** A proxy's answer of any size instead of the service's (hostile-answers.ts). */
  | (FaultTarget & HugeBody & { kind: 'huge-body'; times?: number })
  /** The service's answer, changed (hostile-answers.ts). */
  | (FaultTarget & { kind: 'tamper'; tamper: Tamper; times?: number })
  | { kind: 'replication-lag'; lag: ReplicationLag };

export interface FaultRequest {
  service: ServiceName;
  environment?: string;
  method: string;
  path: string;
}

export type FaultAction =
  | { kind: 'throttle'; retryAfterSeconds: number }
  | { kind: 'unavailable'; retryAfterSeconds?: number }
  | { kind: 'drop' }
  | ({ kind: 'huge-body' } & HugeBody)
  | { kind: 'tamper'; tamper: Tamper };

export interface FaultDecision {
  latencyMs: number;
  action?: FaultAction;
}
