// The two Kafka APIs a metadata client needs, per Kafka's message specs (ApiVersionsRequest/Response
// v0-v2, MetadataRequest/Response v0-v4), plus the request header (v1) and response header (v0).
// All of these versions are "classic" (non-flexible) encodings.
import { type Reader, Writer } from '../../kafka-protocol/wire.js';

export const API_KEY = { Metadata: 3, ApiVersions: 18 } as const;
export const ERROR = { NONE: 0, UNKNOWN_TOPIC_OR_PARTITION: 3, UNSUPPORTED_VERSION: 35 } as const;

export interface RequestHeader {
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly correlationId: number;
  readonly clientId: string | null;
}

/** Request header v1: api_key INT16, api_version INT16, correlation_id INT32, client_id NULLABLE_STRING. */
export function readRequestHeader(r: Reader): RequestHeader {
  return { apiKey: r.int16(), apiVersion: r.int16(), correlationId: r.int32(), clientId: r.nullableString() };
}

/** Response header v0: correlation_id INT32, followed by the body. */
export function response(correlationId: number, body: Buffer): Buffer {
  return Buffer.concat([new Writer().int32(correlationId).toBuffer(), body]);
}

export interface ApiRange {
  readonly apiKey: number;
  readonly minVersion: number;
  readonly maxVersion: number;
}

/**
 * ApiVersionsResponse. v0: error_code INT16, api_keys [api_key INT16, min_version INT16,
 * max_version INT16]; v1+: throttle_time_ms INT32 after the array. A request for a version the
 * broker does not support is answered in the v0 layout with UNSUPPORTED_VERSION and the list, which
 * is what lets a client step down to a version both sides speak.
 */
export function encodeApiVersionsResponse(version: number, errorCode: number, apis: readonly ApiRange[]): Buffer {
  const w = new Writer().int16(errorCode).array(apis, (w2, a) => w2.int16(a.apiKey).int16(a.minVersion).int16(a.maxVersion));
  if (version >= 1) w.int32(0);
  return w.toBuffer();
}

export interface MetadataRequest {
  /** null: all topics (v1+ only). */
  readonly topics: string[] | null;
  readonly allowAutoTopicCreation: boolean;
}

/** MetadataRequest. v0: topics [name STRING]; v1+: topics nullable; v4+: allow_auto_topic_creation BOOLEAN. */
export function readMetadataRequest(version: number, r: Reader): MetadataRequest {
  const topics = r.nullableArray((x) => x.string());
  if (version === 0 && topics === null) throw new RangeError('Metadata v0 topics may not be null');
  const allowAutoTopicCreation = version >= 4 ? r.bool() : true;
  return { topics: version === 0 && topics !== null && topics.length === 0 ? null : topics, allowAutoTopicCreation };
}

export interface MetadataBroker {
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
  readonly rack: string | null;
}

export interface MetadataBody {
  readonly brokers: readonly MetadataBroker[];
  readonly clusterId: string | null;
  readonly controllerId: number;
  /** Topics to answer for; this double knows no topics, so each gets UNKNOWN_TOPIC_OR_PARTITION. */
  readonly unknownTopics: readonly string[];
}

/**
 * MetadataResponse v0-v4:
 *   v3+: throttle_time_ms INT32
 *   brokers [node_id INT32, host STRING, port INT32, v1+: rack NULLABLE_STRING]
 *   v2+: cluster_id NULLABLE_STRING
 *   v1+: controller_id INT32
 *   topics [error_code INT16, name STRING, v1+: is_internal BOOLEAN, partitions [...]]
 */
export function encodeMetadataResponse(version: number, m: MetadataBody): Buffer {
  const w = new Writer();
  if (version >= 3) w.int32(0);
  w.array(m.brokers, (w2, b) => {
    w2.int32(b.nodeId).string(b.host).int32(b.port);
    if (version >= 1) w2.nullableString(b.rack);
  });
  if (version >= 2) w.nullableString(m.clusterId);
  if (version >= 1) w.int32(m.controllerId);
  w.array(m.unknownTopics, (w2, t) => {
    w2.int16(ERROR.UNKNOWN_TOPIC_OR_PARTITION).string(t);
    if (version >= 1) w2.bool(false);
    w2.int32(0); // no partitions
  });
  return w.toBuffer();
}
