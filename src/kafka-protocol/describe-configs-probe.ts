// Asks one Kafka broker for some of its own configuration (DescribeConfigs v0 on the BROKER resource).
// Kafka answers a broker resource only on that broker (ConfigHelper: the name must be its own id), so
// the request goes to the broker itself (see broker-request.ts), not through a client's pool.
import { askBroker } from './broker-request.js';
import { Writer } from './wire.js';

const DESCRIBE_CONFIGS = 32;
/** v0: every Kafka line with ZooKeeper mode (0.11 to 3.9) answers it; 3.x counts it as deprecated. */
const VERSION = 0;
/** ConfigResource.Type.BROKER. */
const BROKER = 4;

/** The error codes a broker answers DescribeConfigs with here, named as Kafka's Errors names them (2.x sends no message). */
const ERROR_NAMES: Readonly<Record<number, string>> = {
  31: 'CLUSTER_AUTHORIZATION_FAILED',
  35: 'UNSUPPORTED_VERSION',
  42: 'INVALID_REQUEST',
};

/**
 * `names` of broker `brokerId`'s configuration, from the broker at `address` (`host:port` of a
 * PLAINTEXT listener): each name's value, null when unset (or sensitive). A name the broker does not
 * know (`control.plane.listener.name` before Kafka 2.2) is absent from the map. Rejects as askBroker
 * does, or with the broker's own error (an authorizer that refuses it: CLUSTER_AUTHORIZATION_FAILED, 31).
 */
export async function probeBrokerConfigs(
  address: string,
  brokerId: number,
  names: readonly string[],
  timeoutMs = 5000,
): Promise<Map<string, string | null>> {
  const body = new Writer()
    .array([brokerId], (w, id) =>
      w
        .int8(BROKER)
        .string(String(id))
        .array(names, (x, n) => x.string(n)),
    )
    .toBuffer();
  const results = await askBroker(
    address,
    {
      api: 'DescribeConfigs',
      apiKey: DESCRIBE_CONFIGS,
      apiVersion: VERSION,
      body,
      read: (r) => {
        r.int32(); // throttle_time_ms
        return (
          r.nullableArray((x) => ({
            errorCode: x.int16(),
            errorMessage: x.nullableString(),
            resourceType: x.int8(),
            resourceName: x.string(),
            configs:
              x.nullableArray((c) => {
                const name = c.string();
                const value = c.nullableString();
                c.bool(); // read_only
                c.bool(); // is_default (never set by 3.x brokers)
                c.bool(); // is_sensitive
                return { name, value };
              }) ?? [],
          })) ?? []
        );
      },
    },
    timeoutMs,
  );
  const mine = results.find((x) => x.resourceType === BROKER && x.resourceName === String(brokerId));
  if (mine === undefined) throw new Error(`${address}: DescribeConfigs answered nothing for broker ${brokerId}`);
  if (mine.errorCode !== 0)
    throw new Error(
      `${address}: DescribeConfigs of broker ${brokerId} failed: ${ERROR_NAMES[mine.errorCode] ?? 'error'} (${mine.errorCode})${mine.errorMessage === null ? '' : `: ${mine.errorMessage}`}`,
    );
  return new Map(mine.configs.map((c) => [c.name, c.value]));
}
