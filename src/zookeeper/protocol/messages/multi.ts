// multi (OpCode 14) and multiRead (22): several ops applied (or read) at one zxid, all or nothing.
import { type JuteReader, JuteWriter, type JuteRecord } from '../jute.js';
import { OpCode } from '../opcodes.js';
import { ZooKeeperProtocolError } from '../protocol-error.js';
import { ErrorResponse, type WireStat } from '../records.js';
import { CreateRequest, CreateResponse, Create2Response, CreateTTLRequest } from './create.js';
import { DeleteRequest } from './delete.js';
import { GetChildrenRequest, GetChildrenResponse } from './get-children.js';
import { GetDataRequest, GetDataResponse } from './get-data.js';
import { SetDataRequest, SetDataResponse } from './set-data.js';

/**
 * ```
 * class MultiHeader {
 *   int type;              // the op's OpCode; -1 in the terminator
 *   boolean done;          // true only in the terminator
 *   int err;               // -1 in a request; the op's KeeperErrorCode in a response
 * }
 * class CheckVersionRequest {
 *   ustring path;
 *   int version;
 * }
 * ```
 * A multi request (MultiOperationRecord) is, per op, a MultiHeader {type, false, -1} and the op's
 * request record (CreateRequest, CreateTTLRequest, DeleteRequest, SetDataRequest,
 * CheckVersionRequest; GetChildrenRequest or GetDataRequest in a multiRead), then the terminator
 * MultiHeader {-1, true, -1}. There is no count: the terminator ends it.
 */
export interface MultiHeader {
  readonly type: number;
  readonly done: boolean;
  readonly err: number;
}

export const MultiHeader: JuteRecord<MultiHeader> = {
  name: 'MultiHeader',
  write(w, v) {
    w.int(v.type, 'MultiHeader.type').bool(v.done).int(v.err, 'MultiHeader.err');
  },
  read(r) {
    return { type: r.int('MultiHeader.type'), done: r.bool('MultiHeader.done'), err: r.int('MultiHeader.err') };
  },
};

const TERMINATOR: MultiHeader = { type: -1, done: true, err: -1 };

export interface CheckVersionRequest {
  readonly path: string;
  readonly version: number;
}

export const CheckVersionRequest: JuteRecord<CheckVersionRequest> = {
  name: 'CheckVersionRequest',
  write(w, v) {
    w.ustring(v.path).int(v.version, 'CheckVersionRequest.version');
  },
  read(r) {
    return { path: r.string('CheckVersionRequest.path'), version: r.int('CheckVersionRequest.version') };
  },
};

/** One op of a multi; `op` is its OpCode name. */
export type MultiOp =
  | ({ readonly op: 'create' | 'create2' | 'createContainer' } & CreateRequest)
  | ({ readonly op: 'createTTL' } & CreateTTLRequest)
  | ({ readonly op: 'delete' } & DeleteRequest)
  | ({ readonly op: 'setData' } & SetDataRequest)
  | ({ readonly op: 'check' } & CheckVersionRequest)
  | { readonly op: 'getChildren'; readonly path: string }
  | { readonly op: 'getData'; readonly path: string };

export interface MultiRequest {
  readonly ops: readonly MultiOp[];
}

export const MultiRequest: JuteRecord<MultiRequest> = {
  name: 'MultiRequest',
  write(w, v) {
    for (const op of v.ops) {
      MultiHeader.write(w, { type: OpCode[op.op], done: false, err: -1 });
      switch (op.op) {
        case 'create':
        case 'create2':
        case 'createContainer':
          CreateRequest.write(w, op);
          break;
        case 'createTTL':
          CreateTTLRequest.write(w, op);
          break;
        case 'delete':
          DeleteRequest.write(w, op);
          break;
        case 'setData':
          SetDataRequest.write(w, op);
          break;
        case 'check':
          CheckVersionRequest.write(w, op);
          break;
        // A multiRead's reads never watch (MultiOperationRecord sends watch = false).
        case 'getChildren':
          GetChildrenRequest.write(w, { path: op.path, watch: false });
          break;
        case 'getData':
          GetDataRequest.write(w, { path: op.path, watch: false });
          break;
      }
    }
    MultiHeader.write(w, TERMINATOR);
  },
  read(r) {
    const ops: MultiOp[] = [];
    // Each round consumes at least a 9-byte MultiHeader, so a frame without a terminator ends in a
    // read past its end, never in a loop.
    for (let h = MultiHeader.read(r); !h.done; h = MultiHeader.read(r)) {
      switch (h.type) {
        case OpCode.create:
          ops.push({ op: 'create', ...CreateRequest.read(r) });
          break;
        case OpCode.create2:
          ops.push({ op: 'create2', ...CreateRequest.read(r) });
          break;
        case OpCode.createContainer:
          ops.push({ op: 'createContainer', ...CreateRequest.read(r) });
          break;
        case OpCode.createTTL:
          ops.push({ op: 'createTTL', ...CreateTTLRequest.read(r) });
          break;
        case OpCode.delete:
          ops.push({ op: 'delete', ...DeleteRequest.read(r) });
          break;
        case OpCode.setData:
          ops.push({ op: 'setData', ...SetDataRequest.read(r) });
          break;
        case OpCode.check:
          ops.push({ op: 'check', ...CheckVersionRequest.read(r) });
          break;
        case OpCode.getChildren:
          ops.push({ op: 'getChildren', path: GetChildrenRequest.read(r).path });
          break;
        case OpCode.getData:
          ops.push({ op: 'getData', path: GetDataRequest.read(r).path });
          break;
        default:
          throw new ZooKeeperProtocolError('MultiHeader.type', `${h.type} is not an op a multi can hold`);
      }
    }
    return { ops };
  },
};

/** The body of a multi frame: send it with OpCode.multi, or OpCode.multiRead when every op is a read. */
export function encodeMultiRequest(ops: readonly MultiOp[]): Buffer {
  const w = new JuteWriter();
  MultiRequest.write(w, { ops });
  return w.toBuffer();
}

/**
 * A multi response (MultiResponse) is, per op, a MultiHeader {type, false, err} and the op's result
 * record, then the terminator {-1, true, -1}:
 * ```
 * create                              -> CreateResponse { ustring path; }
 * create2, createContainer, createTTL -> Create2Response { ustring path; Stat stat; }
 * delete, check                       -> nothing
 * setData                             -> SetDataResponse { Stat stat; }
 * getChildren (multiRead)             -> GetChildrenResponse { vector<ustring> children; }
 * getData (multiRead)                 -> GetDataResponse { buffer data; Stat stat; }
 * error (-1)                          -> ErrorResponse { int err; }
 * ```
 * A 3.8 server answers a create2 op inside a multi with a plain create result (the path, no Stat),
 * so a caller cannot count on a Stat from a multi's create. A failed multi still has err 0 in its
 * ReplyHeader: every op's result is an error then — the one
 * that failed with its own code, the ones before it with 0 (OK, rolled back) and the ones after it
 * with RUNTIMEINCONSISTENCY (-2, not tried). A multiRead's failed read is an error result while the
 * other reads succeed.
 */
export type MultiResult =
  | { readonly op: 'create'; readonly path: string }
  | { readonly op: 'create2'; readonly path: string; readonly stat: WireStat }
  | { readonly op: 'delete' }
  | { readonly op: 'check' }
  | { readonly op: 'setData'; readonly stat: WireStat }
  | { readonly op: 'getChildren'; readonly children: string[] }
  | { readonly op: 'getData'; readonly data: Buffer | null; readonly stat: WireStat }
  | { readonly op: 'error'; readonly err: number };

export interface MultiResponse {
  readonly results: MultiResult[];
}

export const MultiResponse: JuteRecord<MultiResponse> = {
  name: 'MultiResponse',
  write(w, v) {
    for (const res of v.results) {
      MultiHeader.write(w, { type: OpCode[res.op], done: false, err: res.op === 'error' ? res.err : 0 });
      switch (res.op) {
        case 'create':
          CreateResponse.write(w, res);
          break;
        case 'create2':
          Create2Response.write(w, res);
          break;
        case 'delete':
        case 'check':
          break;
        case 'setData':
          SetDataResponse.write(w, res);
          break;
        case 'getChildren':
          GetChildrenResponse.write(w, res);
          break;
        case 'getData':
          GetDataResponse.write(w, res);
          break;
        case 'error':
          ErrorResponse.write(w, res);
          break;
      }
    }
    MultiHeader.write(w, TERMINATOR);
  },
  read(r) {
    const results: MultiResult[] = [];
    for (let h = MultiHeader.read(r); !h.done; h = MultiHeader.read(r)) {
      switch (h.type) {
        case OpCode.create:
          results.push({ op: 'create', ...CreateResponse.read(r) });
          break;
        case OpCode.create2:
        case OpCode.createContainer:
        case OpCode.createTTL:
          results.push({ op: 'create2', ...Create2Response.read(r) });
          break;
        case OpCode.delete:
          results.push({ op: 'delete' });
          break;
        case OpCode.check:
          results.push({ op: 'check' });
          break;
        case OpCode.setData:
          results.push({ op: 'setData', ...SetDataResponse.read(r) });
          break;
        case OpCode.getChildren:
          results.push({ op: 'getChildren', ...GetChildrenResponse.read(r) });
          break;
        case OpCode.getData:
          results.push({ op: 'getData', ...GetDataResponse.read(r) });
          break;
        case OpCode.error:
          results.push({ op: 'error', ...ErrorResponse.read(r) });
          break;
        default:
          throw new ZooKeeperProtocolError('MultiHeader.type', `${h.type} is not a multi result type`);
      }
    }
    return { results };
  },
};

export function decodeMultiResponse(r: JuteReader): MultiResponse {
  return MultiResponse.read(r);
}
