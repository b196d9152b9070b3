// create (OpCode 1), create2 (15), createContainer (19), createTTL (21).
import { type JuteReader, encodeRecord, type JuteRecord } from '../jute.js';
import { readAcls, WireStat, writeAcls, type WireAcl } from '../records.js';

/**
 * ```
 * class CreateRequest {
 *   ustring path;
 *   buffer data;
 *   vector<org.apache.zookeeper.data.ACL> acl;
 *   int flags;             // a CreateMode
 * }
 * ```
 * Sent with OpCode.create, create2 or createContainer (flags CreateMode.CONTAINER); the OpCode, not
 * the record, decides the reply's form.
 */
export interface CreateRequest {
  readonly path: string;
  readonly data: Buffer | null;
  readonly acl: readonly WireAcl[];
  readonly flags: number;
}

export const CreateRequest: JuteRecord<CreateRequest> = {
  name: 'CreateRequest',
  write(w, v) {
    w.ustring(v.path).buffer(v.data);
    writeAcls(w, v.acl);
    w.int(v.flags, 'CreateRequest.flags');
  },
  read(r) {
    return {
      path: r.string('CreateRequest.path'),
      data: r.buffer('CreateRequest.data'),
      acl: readAcls(r, 'CreateRequest.acl'),
      flags: r.int('CreateRequest.flags'),
    };
  },
};

/**
 * ```
 * class CreateTTLRequest {
 *   ustring path;
 *   buffer data;
 *   vector<org.apache.zookeeper.data.ACL> acl;
 *   int flags;             // PERSISTENT_WITH_TTL or PERSISTENT_SEQUENTIAL_WITH_TTL
 *   long ttl;              // ms
 * }
 * ```
 * Sent with OpCode.createTTL; refused with UNIMPLEMENTED unless the server enables extended types.
 */
export interface CreateTTLRequest extends CreateRequest {
  readonly ttl: bigint;
}

export const CreateTTLRequest: JuteRecord<CreateTTLRequest> = {
  name: 'CreateTTLRequest',
  write(w, v) {
    CreateRequest.write(w, v);
    w.long(v.ttl, 'CreateTTLRequest.ttl');
  },
  read(r) {
    const base = CreateRequest.read(r);
    return { ...base, ttl: r.long('CreateTTLRequest.ttl') };
  },
};

export function encodeCreateRequest(v: CreateRequest): Buffer {
  return encodeRecord(CreateRequest, v);
}

export function encodeCreateTTLRequest(v: CreateTTLRequest): Buffer {
  return encodeRecord(CreateTTLRequest, v);
}

/**
 * ```
 * class CreateResponse { ustring path; }   // the reply to OpCode.create
 * ```
 * The path is the created one: with a sequential flag, the name with its counter appended.
 */
export interface CreateResponse {
  readonly path: string;
}

export const CreateResponse: JuteRecord<CreateResponse> = {
  name: 'CreateResponse',
  write(w, v) {
    w.ustring(v.path);
  },
  read(r) {
    return { path: r.string('CreateResponse.path') };
  },
};

export function decodeCreateResponse(r: JuteReader): CreateResponse {
  return CreateResponse.read(r);
}

/**
 * ```
 * class Create2Response {                   // the reply to create2, createContainer, createTTL
 *   ustring path;
 *   org.apache.zookeeper.data.Stat stat;
 * }
 * ```
 */
export interface Create2Response {
  readonly path: string;
  readonly stat: WireStat;
}

export const Create2Response: JuteRecord<Create2Response> = {
  name: 'Create2Response',
  write(w, v) {
    w.ustring(v.path);
    WireStat.write(w, v.stat);
  },
  read(r) {
    return { path: r.string('Create2Response.path'), stat: WireStat.read(r) };
  },
};

export function decodeCreate2Response(r: JuteReader): Create2Response {
  return Create2Response.read(r);
}
