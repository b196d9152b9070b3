// /cluster/id (persistent), written once by the first ZooKeeper-mode broker of a cluster:
// {"version":"1","id":"<22-character base64 UUID>"}. Note the version is a *string* in Kafka's JSON.
import { parseZNodeObject } from './znode-json.js';

/** Where the first broker of a cluster writes its id: `/cluster/id` (Kafka's ClusterIdZNode). */
export const CLUSTER_ID_PATH = '/cluster/id';

/** The cluster id, by Kafka's rule (ClusterIdZNode.fromJson reads `id` as a string). Throws ZNodeFormatError. */
export function decodeClusterId(data: Buffer): string {
  const { o, fail } = parseZNodeObject(CLUSTER_ID_PATH, data);
  if (typeof o.id !== 'string' || o.id === '') return fail('id is missing or not a string');
  return o.id;
}
