// Before a broker registration is written: make sure Kafka's controller can use it.
//
// A ZooKeeper-mode controller re-reads every /brokers/ids/<id> on each broker change, and for a new
// broker opens a channel on the cluster's inter-broker listener, or on its control-plane listener
// when the cluster has one (KafkaController.processBrokerChange -> ControllerChannelManager.addBroker
// -> Broker.node(controlPlaneListenerName.getOrElse(interBrokerListenerName))); every broker also
// connects to ours on the inter-broker listener to replicate. A registration without those listeners
// throws there, and the whole broker-change event is dropped: real brokers that die or restart are
// not noticed for as long as our znode exists. So exactly those listeners are required, known from
// (in order of trust):
//   1. the options (`interBrokerListener`, `controlPlaneListener`): Kafka's own settings, given, and
//      checked against one registered broker, which must have them (a typo is refused, not trusted);
//   2. a registered broker's configuration, read through Kafka (DescribeConfigs) when the registrar
//      can reach the cluster (`confirm`);
//   3. ZooKeeper alone, which cannot say which listener is which: every broker has the ones needed,
//      so every listener name the registered brokers share is required. Conservative: a cluster
//      whose brokers also share client listeners asks for those too; 1 or 2 say it precisely.
import { InvalidConfigError, ListenerMismatchError, NoNodeError, ZNodeFormatError } from '../errors.js';
import { logger } from '../log.js';
import { brokerIdPath, decodeBrokerZNode, type Endpoint } from '../znodes/broker-znode.js';
import type { ListenerRoles } from '../confirmation/listener-roles.js';
import type { Session } from '../zookeeper/session.js';

const log = logger('broker');
/** How many registered brokers the ZooKeeper-only rule reads. */
const PREFLIGHT_SAMPLE = 8;
/** How long the pre-flight waits for a broker to describe its listener settings. */
const DESCRIBE_BUDGET_MS = 5000;

export interface ListenerNeeds {
  /** Kafka's `inter.broker.listener.name`, from the options (upper-cased). */
  readonly interBrokerListener: string | undefined;
  /** Kafka's `control.plane.listener.name`, from the options (upper-cased). */
  readonly controlPlaneListener: string | undefined;
  /** The other registered broker ids, as listed by the pre-flight. */
  readonly registered: readonly number[];
  /** Asks a broker for its listener settings through Kafka; undefined when the cluster cannot be asked. */
  readonly askBroker: ((brokerId: number, budgetMs: number) => Promise<ListenerRoles | undefined>) | undefined;
}

/** Throws ListenerMismatchError, nothing written, if our endpoints lack a listener Kafka's controller needs. */
export async function checkClusterListeners(
  session: Session,
  brokerId: number,
  endpoints: readonly Endpoint[],
  needs: ListenerNeeds,
): Promise<void> {
  const ours = endpoints.map((e) => e.listenerName);
  const missing = (required: readonly (string | undefined)[]): string[] =>
    required.filter((n): n is string => n !== undefined && !ours.includes(n));
  if (needs.interBrokerListener !== undefined) {
    const m = missing([needs.interBrokerListener, needs.controlPlaneListener]);
    if (m.length > 0) throw new ListenerMismatchError(brokerId, m, ours, 'interBrokerListener');
    await checkNamedListeners(session, needs);
    return;
  }
  const asked = needs.askBroker === undefined ? undefined : await askAny(needs.registered, needs.askBroker);
  if (asked !== undefined) {
    const required = [asked.roles.interBroker, needs.controlPlaneListener ?? asked.roles.controlPlane];
    log(
      'broker %d: broker %d says inter-broker %s, control plane %s; ours [%s]',
      brokerId,
      asked.from,
      asked.roles.interBroker,
      asked.roles.controlPlane ?? '(none)',
      ours.join(','),
    );
    const m = missing(required);
    if (m.length > 0) throw new ListenerMismatchError(brokerId, m, ours, { brokerConfig: asked.from });
    return;
  }
  await checkSharedListeners(session, brokerId, ours, needs);
}

/**
 * The options name the cluster's listeners; a registered broker shows whether they can be right:
 * every broker has the inter-broker (and control-plane) listener, since brokers and the controller
 * reach one another on it. A name the broker lacks is a mistyped option, and trusted it would let
 * through the very registration the controller cannot use. One broker is read (the first that is
 * there and Kafka's); none registered, nothing to check against.
 */
async function checkNamedListeners(session: Session, needs: ListenerNeeds): Promise<void> {
  for (const id of needs.registered.slice(0, PREFLIGHT_SAMPLE)) {
    const r = await readListenerNames(session, id);
    if (r === undefined) continue;
    for (const field of ['interBrokerListener', 'controlPlaneListener'] as const) {
      const named = needs[field];
      if (named === undefined || r.names.has(named)) continue;
      const theirs = [...r.names].sort().join(', ') || '(none)';
      throw new InvalidConfigError(
        field,
        named,
        `registered broker ${id} has no listener ${named} (it has ${theirs}): the cluster's ${field === 'interBrokerListener' ? 'inter-broker' : 'control-plane'} listener is one every broker has`,
      );
    }
    return;
  }
}

/** The first of a few registered brokers that answers. */
async function askAny(
  registered: readonly number[],
  ask: NonNullable<ListenerNeeds['askBroker']>,
): Promise<{ roles: ListenerRoles; from: number } | undefined> {
  for (const id of registered.slice(0, 3)) {
    const roles = await ask(id, DESCRIBE_BUDGET_MS);
    if (roles !== undefined) return { roles, from: id };
  }
  return undefined;
}

async function checkSharedListeners(session: Session, brokerId: number, ours: readonly string[], needs: ListenerNeeds): Promise<void> {
  // Every broker has the listeners the controller needs, so any few of them tell us a superset. The
  // listeners they share can only shrink with each broker read, so once every one of them is ours
  // the verdict is in: one broker is read first, and the rest of a handful (read at once, pipelined
  // on the session) only when that one has a listener we lack. A fleet restarting together (brokers
  // alike) costs one read per broker, not a handful.
  const sample = needs.registered.slice(0, PREFLIGHT_SAMPLE);
  const missingWith = (shared: ReadonlySet<string> | undefined): string[] =>
    [...(shared ?? []), ...(needs.controlPlaneListener === undefined ? [] : [needs.controlPlaneListener])]
      .filter((n) => !ours.includes(n))
      .sort();
  const read: ({ id: number; names: Set<string> } | undefined)[] = [];
  if (sample.length > 0) read.push(await readListenerNames(session, sample[0] as number));
  if (read[0] === undefined || missingWith(read[0].names).length > 0)
    read.push(...(await Promise.all(sample.slice(1).map((id) => readListenerNames(session, id)))));
  let shared: Set<string> | undefined;
  const learnedFrom: number[] = [];
  for (const r of read) {
    if (r === undefined) continue;
    shared = shared === undefined ? r.names : new Set([...shared].filter((n) => r.names.has(n)));
    learnedFrom.push(r.id);
  }
  const missing = missingWith(shared);
  log(
    'broker %d: listeners shared by brokers [%s]: [%s]; ours [%s]',
    brokerId,
    learnedFrom.join(','),
    [...(shared ?? [])].join(','),
    ours.join(','),
  );
  if (missing.length > 0)
    throw new ListenerMismatchError(
      brokerId,
      missing,
      ours,
      learnedFrom.sort((a, b) => a - b),
    );
}

/** A registered broker's listener names; undefined when it is gone or its znode is not Kafka's. */
async function readListenerNames(session: Session, id: number): Promise<{ id: number; names: Set<string> } | undefined> {
  try {
    const { data } = await session.get(brokerIdPath(id));
    return { id, names: new Set(decodeBrokerZNode(id, data).endpoints.map((e) => e.listenerName)) };
  } catch (err) {
    // Gone since we listed it, or someone else's garbage (audit reports that): nothing to learn.
    if (err instanceof NoNodeError || err instanceof ZNodeFormatError) return undefined;
    throw err;
  }
}
