// "A broker's previous session": a session of its own holding /brokers/ids/<id>, in Kafka's format,
// which a test then ends (killSession) to play the server finishing that session's expiry.
import { encodeBrokerZNode, listenersToEndpoints, type Session } from '../../src/index.js';
import { openSession } from './sessions.js';

/** Opens a session that creates /brokers/ids/<id> (parents included) and returns it, still open. */
export async function holdBrokerNode(connect: string, brokerId: number, port = 9092): Promise<Session> {
  const s = await openSession(connect, 10_000);
  const path = `/brokers/ids/${brokerId}`;
  await s.createParents(path);
  await s.create(path, brokerNodeData(brokerId, port), 'ephemeral');
  return s;
}

/**
 * What broker `brokerId` with one listener PLAINTEXT://127.0.0.1:<port> writes: a node holding this is
 * "a previous session of the same broker" to a registrar with that listener (waited out), and another
 * broker's id to one with any other (refused).
 */
export function brokerNodeData(brokerId: number, port = 9092): Buffer {
  const endpoints = listenersToEndpoints([{ name: 'PLAINTEXT', host: '127.0.0.1', port }]);
  return encodeBrokerZNode({ brokerId, endpoints, jmxPort: -1, version: 5 }, Date.now());
}
