// The session handshake: the first frame each way on a new connection, neither with a header.
import { type JuteReader, JuteWriter, type JuteRecord } from '../jute.js';

/**
 * ```
 * class ConnectRequest {
 *   int protocolVersion;   // 0
 *   long lastZxidSeen;     // the highest zxid this client saw: a server behind it refuses the client
 *   int timeOut;           // requested session timeout, ms
 *   long sessionId;        // 0 for a new session; an existing one's id to reattach
 *   buffer passwd;         // 16 zero bytes for a new session; the session's password to reattach
 *   boolean readOnly;      // 3.4+: accept a read-only server (partitioned from its quorum)
 * }
 * ```
 * `readOnly` was appended in 3.4 and is optional on the wire: a 3.3 client does not send it, and
 * the server answers such a client without the flag in its response too (withReadOnly: false sends
 * that form).
 */
export interface ConnectRequest {
  readonly protocolVersion: number;
  readonly lastZxidSeen: bigint;
  readonly timeOut: number;
  readonly sessionId: bigint;
  readonly passwd: Buffer;
  readonly readOnly: boolean;
  /** Whether the trailing readOnly byte is on the wire; default true. */
  readonly withReadOnly?: boolean;
}

export const ConnectRequest: JuteRecord<ConnectRequest> = {
  name: 'ConnectRequest',
  write(w, v) {
    w.int(v.protocolVersion, 'ConnectRequest.protocolVersion').long(v.lastZxidSeen, 'ConnectRequest.lastZxidSeen');
    w.int(v.timeOut, 'ConnectRequest.timeOut').long(v.sessionId, 'ConnectRequest.sessionId').buffer(v.passwd);
    if (v.withReadOnly !== false) w.bool(v.readOnly);
  },
  read(r) {
    const head = {
      protocolVersion: r.int('ConnectRequest.protocolVersion'),
      lastZxidSeen: r.long('ConnectRequest.lastZxidSeen'),
      timeOut: r.int('ConnectRequest.timeOut'),
      sessionId: r.long('ConnectRequest.sessionId'),
      passwd: r.bytes('ConnectRequest.passwd'),
    };
    const withReadOnly = r.remaining > 0;
    return { ...head, readOnly: withReadOnly ? r.bool('ConnectRequest.readOnly') : false, withReadOnly };
  },
};

/** A new session's password: 16 zero bytes (the server makes the real one). */
export const NO_PASSWORD = Buffer.alloc(16);

export interface ConnectOptions {
  readonly timeOut: number;
  /** Default 0: a new session. */
  readonly sessionId?: bigint;
  /** Default 16 zero bytes. */
  readonly passwd?: Buffer;
  /** Default 0. */
  readonly lastZxidSeen?: bigint;
  /** Default false: a read-only server is refused. */
  readonly readOnly?: boolean;
  /** Default true. */
  readonly withReadOnly?: boolean;
}

/** The body of a connect frame (send it with encodeConnectFrame: it has no RequestHeader). */
export function encodeConnectRequest(o: ConnectOptions): Buffer {
  const w = new JuteWriter(64);
  ConnectRequest.write(w, {
    protocolVersion: 0,
    lastZxidSeen: o.lastZxidSeen ?? 0n,
    timeOut: o.timeOut,
    sessionId: o.sessionId ?? 0n,
    passwd: o.passwd ?? NO_PASSWORD,
    readOnly: o.readOnly ?? false,
    withReadOnly: o.withReadOnly ?? true,
  });
  return w.toBuffer();
}

/**
 * ```
 * class ConnectResponse {
 *   int protocolVersion;
 *   int timeOut;           // the timeout the server granted (clamped to its min/max session timeout)
 *   long sessionId;        // 0 when a reattach was refused: the session expired
 *   buffer passwd;         // 16 bytes
 *   boolean readOnly;      // 3.4+: true from a read-only server
 * }
 * ```
 * A server refuses a reattach with timeOut 0, sessionId 0 and 16 zero bytes, then closes the
 * connection: for an expired session, and for a wrong password (which also cuts the session's live
 * connection). The response may end after passwd: a 3.3 server never sends readOnly, and a 3.8
 * server (tested) answers a client that sent no readOnly byte without one, in the client's own
 * dialect (3.9.0 merged the field into the record and always sent it, ZOOKEEPER-4492, until
 * ZOOKEEPER-4814 restored the old-client form). Both forms are read; `hasReadOnly` tells which came.
 */
export interface ConnectResponse {
  readonly protocolVersion: number;
  readonly timeOut: number;
  readonly sessionId: bigint;
  readonly passwd: Buffer;
  readonly readOnly: boolean;
  readonly hasReadOnly: boolean;
}

export const ConnectResponse: JuteRecord<ConnectResponse> = {
  name: 'ConnectResponse',
  write(w, v) {
    w.int(v.protocolVersion, 'ConnectResponse.protocolVersion').int(v.timeOut, 'ConnectResponse.timeOut');
    w.long(v.sessionId, 'ConnectResponse.sessionId').buffer(v.passwd);
    if (v.hasReadOnly) w.bool(v.readOnly);
  },
  read(r) {
    const head = {
      protocolVersion: r.int('ConnectResponse.protocolVersion'),
      timeOut: r.int('ConnectResponse.timeOut'),
      sessionId: r.long('ConnectResponse.sessionId'),
      passwd: r.bytes('ConnectResponse.passwd'),
    };
    const hasReadOnly = r.remaining > 0;
    return { ...head, readOnly: hasReadOnly ? r.bool('ConnectResponse.readOnly') : false, hasReadOnly };
  },
};

/** Reads a whole connect frame's payload (there is no ReplyHeader in front of it). */
export function decodeConnectResponse(r: JuteReader): ConnectResponse {
  return ConnectResponse.read(r);
}
