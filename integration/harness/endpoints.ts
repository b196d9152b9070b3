// TCP endpoints for spare broker ids (Kafka-protocol doubles on loopback): what real controllers and
// kafkajs are pointed at. Closed after the file's tests.
import { after } from 'node:test';
import { FakeKafkaBroker } from '../kafka-double/fake-broker.js';

export function useEndpoints(): () => Promise<FakeKafkaBroker> {
  const sockets: FakeKafkaBroker[] = [];
  after(async () => {
    for (const s of sockets) await s.close();
  });
  return async () => {
    const s = new FakeKafkaBroker();
    await s.listen();
    sockets.push(s);
    return s;
  };
}
