// A read-only report of what ZooKeeper holds for Kafka's registrations, for operators: each broker
// znode decoded with Kafka's rules (or why it does not decode), its owner session and epoch, and the
// controller. Never writes.
import { KafkaZkRegistrarError, NoNodeError } from '../errors.js';
import { decodeBrokerZNode, type DecodedBrokerZNode } from '../znodes/broker-znode.js';
import { CONTROLLER_EPOCH_PATH, CONTROLLER_PATH, decodeControllerEpoch, decodeControllerZNode } from '../znodes/controller-znode.js';
import { Connection } from '../zookeeper/connection.js';
import type { Session } from '../zookeeper/session.js';

export interface BrokerAudit {
  readonly brokerId: number | string;
  /** Session id (hex) owning the ephemeral node; "0" means someone created a persistent node there. */
  readonly ownerSessionId: string;
  readonly brokerEpoch: number;
  readonly registration: DecodedBrokerZNode | undefined;
  readonly problem: string | undefined;
}

export interface RegistrationsAudit {
  readonly brokers: readonly BrokerAudit[];
  readonly controller: { readonly brokerId: number | undefined; readonly ownerSessionId: string; readonly problem: string | undefined } | undefined;
  readonly controllerEpoch: { readonly epoch: number | undefined; readonly zkVersion: number; readonly problem: string | undefined } | undefined;
}

function problemOf(err: unknown): string {
  if (err instanceof KafkaZkRegistrarError) return `${err.code}: ${err.message}`;
  throw err;
}

async function optionalGet(s: Session, path: string): Promise<{ data: Buffer; stat: import('../zookeeper/session.js').Stat } | undefined> {
  try {
    return await s.get(path);
  } catch (err) {
    if (err instanceof NoNodeError) return undefined;
    throw err;
  }
}

export async function auditRegistrations(connect: string, opts: { connectTimeoutMs?: number } = {}): Promise<RegistrationsAudit> {
  const conn = new Connection({ connect, connectTimeoutMs: opts.connectTimeoutMs ?? 15_000 });
  const s = await conn.start();
  try {
    let ids: string[] = [];
    try {
      ids = await s.getChildren('/brokers/ids');
    } catch (err) {
      if (!(err instanceof NoNodeError)) throw err;
    }
    const brokers: BrokerAudit[] = [];
    for (const child of ids.sort((a, b) => Number(a) - Number(b))) {
      const got = await optionalGet(s, `/brokers/ids/${child}`);
      if (got === undefined) continue; // deleted while we listed
      const id = /^\d+$/.test(child) ? Number(child) : child;
      let registration: DecodedBrokerZNode | undefined;
      let problem: string | undefined;
      try {
        if (typeof id !== 'number') throw new TypeError('not a broker id');
        registration = decodeBrokerZNode(id, got.data);
      } catch (err) {
        problem = err instanceof TypeError ? `child name ${JSON.stringify(child)} is not a broker id` : problemOf(err);
      }
      if (problem === undefined && got.stat.ephemeralOwner === '0') problem = 'persistent node: no broker session owns it';
      brokers.push({ brokerId: id, ownerSessionId: got.stat.ephemeralOwner, brokerEpoch: got.stat.czxid, registration, problem });
    }
    const c = await optionalGet(s, CONTROLLER_PATH);
    let controller: RegistrationsAudit['controller'];
    if (c !== undefined) {
      try {
        controller = { brokerId: decodeControllerZNode(c.data), ownerSessionId: c.stat.ephemeralOwner, problem: undefined };
      } catch (err) {
        controller = { brokerId: undefined, ownerSessionId: c.stat.ephemeralOwner, problem: problemOf(err) };
      }
    }
    const e = await optionalGet(s, CONTROLLER_EPOCH_PATH);
    let controllerEpoch: RegistrationsAudit['controllerEpoch'];
    if (e !== undefined) {
      try {
        controllerEpoch = { epoch: decodeControllerEpoch(e.data), zkVersion: e.stat.version, problem: undefined };
      } catch (err) {
        controllerEpoch = { epoch: undefined, zkVersion: e.stat.version, problem: problemOf(err) };
      }
    }
    return { brokers, controller, controllerEpoch };
  } finally {
    await conn.close();
  }
}
