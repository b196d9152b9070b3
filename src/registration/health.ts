// Liveness and readiness of a registrar, as a decision table over its status: what a Kubernetes or
// systemd probe (or an in-process wrapper) needs to know in one word. Ready means "the cluster can
// rely on this registration right now", so it is stricter than `state === 'owned'`.
import type { ConfirmationState } from '../confirmation/cluster-confirmation.js';
import type { ConnectionState } from '../zookeeper/connection.js';
import type { OwnedEphemeralState } from '../recipes/owned-ephemeral.js';

/** The part of a registrar's status that decides its health. */
export interface HealthInputs {
  readonly state: OwnedEphemeralState | 'starting';
  readonly connection: ConnectionState;
  readonly verified: boolean;
  readonly confirmation: { readonly state: ConfirmationState } | undefined;
  /** No ZooKeeper session for a long time although the connection keeps trying (Connection.wedged). */
  readonly wedged: boolean;
  readonly brokerId: number;
  readonly sessionId: string | undefined;
  readonly brokerEpoch: number | undefined;
}

/** Why a registrar is (not) ready, in one word. `registered` is the only ready reason. */
export type HealthReason =
  | 'registered'
  | 'starting'
  | 'connecting'
  | 'acquiring'
  | 'waiting'
  | 'lost'
  | 'unverified'
  | 'confirming'
  | 'unconfirmed'
  | 'missing'
  | 'failed'
  | 'wedged'
  | 'stopped';

/**
 * A registrar's health in one word: what `/livez`, `/readyz` and `registrar.health()` answer. Decided by the
 * table in this file (`healthOf`, first matching row wins).
 */
export interface RegistrarHealth {
  /**
   * False only when the registrar will not recover by itself: it failed (conflict with policy
   * `fail`, no permission, ...), was stopped, or its connection is wedged (no session for ten session
   * timeouts). A restart is the remedy; waiting is not.
   */
  readonly live: boolean;
  /** True only while our current session owns the registration (and, with `confirm`, the cluster lists it). */
  readonly ready: boolean;
  /** Why, in one word (see HealthReason). */
  readonly reason: HealthReason;
  /** Kafka's `broker.id`. */
  readonly brokerId: number;
  /** The current session (hex); undefined while there is none. */
  readonly sessionId: string | undefined;
  /** The czxid of our znode while owned. */
  readonly brokerEpoch: number | undefined;
}

type Row = readonly [when: (s: HealthInputs) => boolean, reason: HealthReason];

// First matching row wins. Order matters: a failed or stopped registrar is not "waiting", and an
// owned node is only as good as its verification and, with `confirm`, the cluster's listing.
const TABLE: readonly Row[] = [
  [(s) => s.state === 'stopped', 'stopped'],
  [(s) => s.state === 'failed', 'failed'],
  [(s) => s.wedged, 'wedged'],
  // start() before its first session: the same answer a run gives while its session is away.
  [(s) => s.state === 'starting' && s.connection !== 'connected', 'connecting'],
  [(s) => s.state === 'starting' || s.state === 'idle', 'starting'],
  [(s) => s.state === 'acquiring' && s.connection !== 'connected', 'connecting'],
  [(s) => s.state === 'acquiring', 'acquiring'],
  [(s) => s.state === 'waiting', 'waiting'],
  [(s) => s.state === 'lost', 'lost'],
  // Owned from here on.
  // After a freeze of this process shorter than the session timeout the node may be gone: not ready
  // until a round trip has seen it again.
  [(s) => !s.verified, 'unverified'],
  [(s) => s.confirmation?.state === 'pending', 'confirming'],
  [(s) => s.confirmation?.state === 'unconfirmed', 'unconfirmed'],
  [(s) => s.confirmation?.state === 'missing', 'missing'],
];

export function healthOf(s: HealthInputs): RegistrarHealth {
  const reason = TABLE.find(([when]) => when(s))?.[1] ?? 'registered';
  return {
    live: reason !== 'failed' && reason !== 'stopped' && reason !== 'wedged',
    ready: reason === 'registered',
    reason,
    brokerId: s.brokerId,
    sessionId: s.sessionId,
    brokerEpoch: s.brokerEpoch,
  };
}
