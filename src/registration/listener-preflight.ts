// Before a broker registration is written: make sure Kafka's controller can use it.
//
// A ZooKeeper-mode controller re-reads every /brokers/ids/<id> on each broker change, and for a new
// broker opens a channel on the cluster's inter-broker listener (KafkaController.processBrokerChange
// -> ControllerChannelManager.addBroker -> Broker.node(interBrokerListenerName)). A registration
// without that listener throws there, and the whole broker-change event is dropped: real brokers
// that die or restart are not noticed for as long as our znode exists. We cannot read the cluster's
// inter.broker.listener.name from ZooKeeper, but every registered broker must have it, so the
// listener names that the registered brokers share are the names ours must have too.
import { ListenerMismatchError, NoNodeError, ZNodeFormatError } from '../errors.js';
import { logger } from '../log.js';
import { BROKER_IDS_PATH, brokerIdPath, decodeBrokerZNode, type Endpoint } from '../znodes/broker-znode.js';
import type { Session } from '../zookeeper/session.js';

const log = logger('broker');
/** How many registered brokers the pre-flight reads. */
const PREFLIGHT_SAMPLE = 8;

/**
 * Throws ListenerMismatchError if our endpoints lack a listener the cluster needs: the
 * `interBrokerListener` when given, otherwise every listener name shared by the other registered
 * (and decodable) brokers it reads — up to PREFLIGHT_SAMPLE of them. With no other broker registered
 * and no option, there is nothing to learn from and the check passes (the first broker of a new cluster).
 */
export async function checkClusterListeners(session: Session, brokerId: number, endpoints: readonly Endpoint[], interBrokerListener: string | undefined): Promise<void> {
  const ours = endpoints.map((e) => e.listenerName);
  if (interBrokerListener !== undefined) {
    if (!ours.includes(interBrokerListener)) throw new ListenerMismatchError(brokerId, [interBrokerListener], ours, 'interBrokerListener');
    return;
  }
  let children: string[];
  try {
    children = await session.getChildren(BROKER_IDS_PATH);
  } catch (err) {
    if (err instanceof NoNodeError) return;
    throw err;
  }
  // Every broker has the inter-broker listener, so any few of them tell us a superset of what we
  // need: a handful, read at once (pipelined on the session), keeps this cheap when a thousand
  // brokers register together.
  const sample = children.filter((c) => /^\d+$/.test(c) && Number(c) !== brokerId).slice(0, PREFLIGHT_SAMPLE);
  const read = await Promise.all(
    sample.map(async (child) => {
      const id = Number(child);
      try {
        const { data } = await session.get(brokerIdPath(id));
        return { id, names: new Set(decodeBrokerZNode(id, data).endpoints.map((e) => e.listenerName)) };
      } catch (err) {
        // Gone since we listed it, or someone else's garbage (audit reports that): nothing to learn.
        if (err instanceof NoNodeError || err instanceof ZNodeFormatError) return undefined;
        throw err;
      }
    }),
  );
  let shared: Set<string> | undefined;
  const learnedFrom: number[] = [];
  for (const r of read) {
    if (r === undefined) continue;
    shared = shared === undefined ? r.names : new Set([...shared].filter((n) => r.names.has(n)));
    learnedFrom.push(r.id);
  }
  const missing = [...(shared ?? [])].filter((n) => !ours.includes(n)).sort();
  log('broker %d: listeners shared by brokers [%s]: [%s]; ours [%s]', brokerId, learnedFrom.join(','), [...(shared ?? [])].join(','), ours.join(','));
  if (missing.length > 0) throw new ListenerMismatchError(brokerId, missing, ours, learnedFrom.sort((a, b) => a - b));
}
