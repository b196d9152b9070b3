// The broker ids registered under /brokers/ids, as Kafka's controller reads them
// (KafkaZkClient.getSortedBrokerList: the children of /brokers/ids, each an int).
import { NoNodeError } from '../errors.js';
import { BROKER_IDS_PATH } from '../znodes/broker-znode.js';
import type { Session } from '../zookeeper/session.js';

/** The registered broker ids, ascending; undefined when /brokers/ids itself is missing. */
export async function registeredBrokers(s: Session): Promise<number[] | undefined> {
  try {
    return (await s.getChildren(BROKER_IDS_PATH))
      .filter((c) => /^\d+$/.test(c))
      .map(Number)
      .sort((a, b) => a - b);
  } catch (err) {
    if (err instanceof NoNodeError) return undefined;
    throw err;
  }
}
