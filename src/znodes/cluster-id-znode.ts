// /cluster/id (persistent), written once by the first ZooKeeper-mode broker of a cluster:
// {"version":"1","id":"<22-character base64 UUID>"}. Note the version is a *string* in Kafka's JSON.
import { NoNodeError, ZNodeFormatError } from '../errors.js';
import type { Session } from '../zookeeper/session.js';

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

/** The cluster id, or undefined when /cluster/id does not exist or does not decode (audit reports that). */
export async function readClusterId(s: Session): Promise<string | undefined> {
  try {
    return decodeClusterId((await s.get(CLUSTER_ID_PATH)).data);
  } catch (err) {
    if (err instanceof NoNodeError || err instanceof ZNodeFormatError) return undefined;
    throw err;
  }
}
