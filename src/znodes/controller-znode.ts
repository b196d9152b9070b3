// /controller and /controller_epoch as ZooKeeper-mode Kafka writes and reads them.
// - /controller (ephemeral): {"version":2,"brokerid":N,"timestamp":"<ms>","kraftControllerEpoch":-1};
//   readers of every Kafka version only need `brokerid` (version 1 lacks kraftControllerEpoch).
//   During a ZooKeeper -> KRaft migration (KIP-866) the active KRaft controller writes it as a
//   *persistent* node with its own id as `brokerid` and `kraftControllerEpoch` >= 0, bumping
//   /controller_epoch in the same multi, so that ZooKeeper-mode brokers stop contending.
// - /controller_epoch (persistent): the epoch as a decimal string; its zkVersion is the fencing
//   token every controller write is conditional on.
import { ZNodeFormatError } from '../errors.js';
import { INT32_MAX, INT32_MIN, parseZNodeObject } from './znode-json.js';

/** `/controller` (ephemeral; Kafka's ControllerZNode). */
export const CONTROLLER_PATH = '/controller';
/**
 * `/controller_epoch` (persistent; Kafka's ControllerEpochZNode): its zkVersion fences every controller
 * write.
 */
export const CONTROLLER_EPOCH_PATH = '/controller_epoch';
/** Kafka creates /controller_epoch as "0" when absent, so the first controller gets epoch 1. */
export const INITIAL_CONTROLLER_EPOCH = 0;

/**
 * /controller as a ZooKeeper-mode Kafka broker writes it (ControllerZNode.encode):
 * `{"version":2,"brokerid":N,"timestamp":"<ms>","kraftControllerEpoch":-1}`, with `timestampMs` in epoch ms.
 */
export function encodeControllerZNode(brokerId: number, timestampMs: number): Buffer {
  return Buffer.from(
    JSON.stringify({ version: 2, brokerid: brokerId, timestamp: String(Math.trunc(timestampMs)), kraftControllerEpoch: -1 }),
    'utf8',
  );
}

/** The controller's broker id, by Kafka's rule (only `brokerid` matters). Throws ZNodeFormatError. */
export function decodeControllerZNode(data: Buffer): number {
  const { o, fail } = parseZNodeObject(CONTROLLER_PATH, data);
  const id = o.brokerid;
  if (typeof id !== 'number' || !Number.isInteger(id) || id < -1 || id > INT32_MAX) return fail('brokerid is missing or not an int32');
  return id;
}

/** /controller as Kafka's ControllerZNode.decodeController reads it. */
export interface ControllerRegistration {
  /** A ZooKeeper-mode broker id, or during a migration the KRaft controller's node id. */
  readonly brokerId: number;
  /** The KRaft controller's epoch; undefined or -1 for a ZooKeeper-mode controller. */
  readonly kraftControllerEpoch: number | undefined;
  /** True when the KRaft quorum controls the cluster (Kafka's test: a KRaft epoch is present and at least 0). */
  readonly kraft: boolean;
}

/** /controller as Kafka's ControllerZNode.decodeController reads it. Throws ZNodeFormatError. */
export function decodeControllerRegistration(data: Buffer): ControllerRegistration {
  const brokerId = decodeControllerZNode(data);
  const { o, fail } = parseZNodeObject(CONTROLLER_PATH, data);
  const k = o.kraftControllerEpoch;
  if (k !== undefined && (typeof k !== 'number' || !Number.isInteger(k) || k < -1 || k > INT32_MAX))
    return fail('kraftControllerEpoch is not an int32');
  return { brokerId, kraftControllerEpoch: k, kraft: k !== undefined && k >= 0 };
}

/** /controller_epoch as Kafka writes it: the epoch as a decimal string. */
export function encodeControllerEpoch(epoch: number): Buffer {
  return Buffer.from(String(epoch), 'utf8');
}

/** Kafka parses the epoch with String.toInt: an optional sign and decimal digits, int32 range. */
export function decodeControllerEpoch(data: Buffer): number {
  const text = data.toString('utf8');
  const n = /^[-+]?\d{1,10}$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(n) || n < INT32_MIN || n > INT32_MAX) {
    throw new ZNodeFormatError(CONTROLLER_EPOCH_PATH, text, 'not a decimal int32');
  }
  return n;
}
