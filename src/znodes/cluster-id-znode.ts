// /cluster/id (persistent), written once by the first ZooKeeper-mode broker of a cluster:
// {"version":"1","id":"<22-character base64 UUID>"}. Note the version is a *string* in Kafka's JSON.
import { ZNodeFormatError } from '../errors.js';

export const CLUSTER_ID_PATH = '/cluster/id';

/** The cluster id, by Kafka's rule (ClusterIdZNode.fromJson reads `id` as a string). Throws ZNodeFormatError. */
export function decodeClusterId(data: Buffer): string {
  const text = data.toString('utf8');
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch (err) {
    throw new ZNodeFormatError(CLUSTER_ID_PATH, text, `not JSON: ${(err as Error).message}`);
  }
  const id = typeof o === 'object' && o !== null && !Array.isArray(o) ? (o as Record<string, unknown>).id : undefined;
  if (typeof id !== 'string' || id === '') throw new ZNodeFormatError(CLUSTER_ID_PATH, text, 'id is missing or not a string');
  return id;
}
