// "A broker's previous session": a session of its own holding /brokers/ids/<id>, in Kafka's format,
// which a test then ends (killSession) to play the server finishing that session's expiry.
import { encodeBrokerZNode, listenersToEndpoints, type Session } from '../../src/index.js';
import { openSession } from './sessions.js';

/** Opens a session that creates /brokers/ids/<id> (parents included) and returns it, still open. */
export async function holdBrokerNode(connect: string, brokerId: number, port = 9092): Promise<Session> {
  const s = await openSession(connect, 10_000);
  const path = `/brokers/ids/${brokerId}`;
  await s.createParents(path);
  const endpoints = listenersToEndpoints([{ name: 'PLAINTEXT', host: '127.0.0.1', port }]);
  await s.create(path, encodeBrokerZNode({ brokerId, endpoints, jmxPort: -1, version: 5 }, Date.now()), 'ephemeral');
  return s;
}
