// The audit as a person reads it: one row per broker registration, then the controller, the cluster
// id, what the cluster's Metadata lists (with --bootstrap) and the problems, one per line.
import { endpointString } from '../znodes/broker-znode.js';
import type { Acl } from '../zookeeper/session.js';
import type { RegistrationsAudit } from './registrations-audit.js';

// In the order ZooKeeper's own CLI prints them.
const PERM_LETTERS: readonly (readonly [number, string])[] = [
  [4, 'c'],
  [8, 'd'],
  [1, 'r'],
  [2, 'w'],
  [16, 'a'],
];

/** `world:anyone=r,digest:kafka=cdrwa` (a digest id shows its user only: the hash is not for people). */
export function formatAcl(acl: readonly Acl[]): string {
  if (acl.length === 0) return '?';
  return acl
    .map((a) => {
      const who = a.scheme === 'digest' ? a.id.slice(0, a.id.indexOf(':') < 0 ? undefined : a.id.indexOf(':')) : a.id;
      const perms = PERM_LETTERS.filter(([bit]) => (a.perms & bit) !== 0)
        .map(([, l]) => l)
        .join('');
      return `${a.scheme}:${who}=${perms}`;
    })
    .join(',');
}

/** "42s", "17m", "5h", "3d": enough precision to tell a fresh registration from an old one. */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s}s`;
  if (s < 120 * 60) return `${Math.floor(s / 60)}m`;
  if (s < 48 * 3600) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

/**
 * The audit as the CLI's `audit` prints it: one row per broker (id, endpoints, rack, owner session, broker
 * epoch, age from the znode's ctime relative to `now` in epoch ms, format version, ACL, problem), then the
 * controller, the cluster id, the migration, the Metadata comparison and the problems.
 */
export function formatAuditTable(a: RegistrationsAudit, now = Date.now()): string {
  const out: string[] = [];
  const rows = a.brokers.map((b) => [
    String(b.brokerId),
    b.registration === undefined ? '?' : b.registration.endpoints.map(endpointString).join(',') || '-',
    b.registration?.rack ?? '-',
    b.ownerSessionId === '0' ? 'persistent' : `0x${b.ownerSessionId}`,
    String(b.brokerEpoch),
    formatAge(now - b.createdAt),
    b.registration === undefined ? '?' : `v${b.registration.version}`,
    formatAcl(b.acl),
    b.problem ?? '',
  ]);
  if (rows.length === 0) out.push('no broker registrations under /brokers/ids');
  else out.push(...table(['ID', 'ENDPOINTS', 'RACK', 'OWNER', 'EPOCH', 'AGE', 'FORMAT', 'ACL', 'PROBLEM'], rows));
  out.push('');
  const c = a.controller;
  const epoch = a.controllerEpoch;
  const epochText =
    epoch === undefined
      ? 'no /controller_epoch'
      : epoch.epoch === undefined
        ? `undecodable /controller_epoch (${epoch.problem ?? ''})`
        : `epoch ${epoch.epoch} (zkVersion ${epoch.zkVersion})`;
  if (c === undefined) out.push(`controller: none; ${epochText}`);
  else {
    const who =
      c.brokerId === undefined
        ? `undecodable (${c.problem ?? ''})`
        : c.kraft
          ? `KRaft controller ${c.brokerId} (kraftControllerEpoch ${c.kraftControllerEpoch ?? '?'})`
          : `broker ${c.brokerId}`;
    out.push(`controller: ${who}, owner ${c.ownerSessionId === '0' ? 'persistent' : `0x${c.ownerSessionId}`}; ${epochText}`);
  }
  out.push(`cluster id: ${a.clusterId ?? 'none'}`);
  const m = a.migration;
  if (m !== undefined) {
    if (m.state === undefined) out.push(`migration: /migration does not decode (${m.problem ?? ''})`);
    else if (m.phase === 'migrated') {
      out.push(
        `migration: migrated to KRaft (KRaft controller ${m.state.kraftControllerId}, epoch ${m.state.kraftControllerEpoch}, metadata offset ${m.state.kraftMetadataOffset}); ZooKeeper-only registrations are not listed by the cluster`,
      );
    } else {
      out.push(
        `migration: waiting for brokers: each of [${(m.waitingFor ?? []).join(',')}] must also register with the KRaft quorum before it starts ` +
          '(ZooKeeper cannot show which already have; a ZooKeeper-only registration never will)',
      );
    }
  }
  if (a.metadata !== undefined) {
    for (const v of a.metadata.views) {
      out.push(
        `metadata from ${v.source}: brokers [${v.brokers.map((b) => b.nodeId).join(',')}], controller ${v.controller ?? 'none'}, cluster ${v.clusterId || 'none'}`,
      );
    }
    const cl = a.metadata.controllerListeners;
    if (cl !== undefined)
      out.push(
        cl.roles === undefined
          ? `controller ${cl.brokerId}'s listeners: not known (${cl.error ?? 'no answer'}): only listener problems ZooKeeper makes certain are reported`
          : `controller ${cl.brokerId}'s listeners (its configuration, from ${cl.source}): inter-broker ${cl.roles.interBroker}, control plane ${cl.roles.controlPlane ?? 'none (the inter-broker one)'}`,
      );
  }
  out.push('');
  if (a.problems.length === 0) out.push('no problems found');
  else {
    out.push(`${a.problems.length} problem${a.problems.length === 1 ? '' : 's'}:`);
    for (const p of a.problems) out.push(`  - ${p.message}`);
  }
  return `${out.join('\n')}\n`;
}
