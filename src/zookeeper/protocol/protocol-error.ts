// The one error the wire layer raises. errors.ts types `KafkaZkRegistrarError.code` as the closed
// union `ErrorCode`, which has no 'ZK_PROTOCOL' member, and that file is not ours to edit in this
// step: so this extends Error directly, keeping the same shape (a stable `code`, `name` set to the
// class name) so that it can be folded into errors.ts later without changing any caller.

/**
 * Bytes from (or for) a ZooKeeper server that do not fit the jute grammar: a read past the end of a
 * frame, a length out of range, a frame over the limit. The connection it came from is out of step
 * with the server and must be closed; nothing decoded from it can be trusted.
 */
export class ZooKeeperProtocolError extends Error {
  readonly code = 'ZK_PROTOCOL' as const;
  constructor(
    /** What was being decoded or encoded, e.g. 'ReplyHeader.xid', 'Stat.ephemeralOwner', 'frame length'. */
    readonly field: string,
    /** What is wrong with it, naming the offending value. */
    readonly detail: string,
  ) {
    super(`ZooKeeper protocol error in ${field}: ${detail}`);
    this.name = 'ZooKeeperProtocolError';
  }
}
