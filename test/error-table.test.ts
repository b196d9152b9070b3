// Errors as data (src/errors.ts): ZooKeeper's return codes map to one class each, with `retriable`
// and `sessionGone` from one table, and every error of ours says whether trying again may succeed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  AuthFailedError,
  BadVersionError,
  ClosingError,
  ClusterUnreachableError,
  ConnectionLossError,
  ConnectTimeoutError,
  InvalidConfigError,
  isRetriable,
  isSessionGone,
  NoAuthError,
  NodeExistsError,
  NoNodeError,
  OperationTimeoutError,
  SessionExpiredError,
  SessionMovedError,
  UnimplementedError,
  ZooKeeperError,
} from '../src/index.js';
import { zooKeeperError } from '../src/errors.js';
import { KeeperErrorCode } from '../src/zookeeper/protocol/index.js';

test('each ZooKeeper return code: its class and code, whether to retry, whether the session is gone', () => {
  const rows: [number, abstract new (...args: never[]) => unknown, string, boolean, boolean][] = [
    [KeeperErrorCode.CONNECTIONLOSS, ConnectionLossError, 'ZCONNECTIONLOSS', true, false],
    [KeeperErrorCode.OPERATIONTIMEOUT, OperationTimeoutError, 'ZOPERATIONTIMEOUT', true, false],
    [KeeperErrorCode.SESSIONEXPIRED, SessionExpiredError, 'ZSESSIONEXPIRED', false, true],
    [-9, SessionExpiredError, 'ZSESSIONEXPIRED', false, true],
    [KeeperErrorCode.SESSIONMOVED, SessionMovedError, 'ZSESSIONMOVED', false, true],
    [-116, ClosingError, 'ZCLOSING', false, true],
    [KeeperErrorCode.NONODE, NoNodeError, 'ZNONODE', false, false],
    [KeeperErrorCode.NOAUTH, NoAuthError, 'ZNOAUTH', false, false],
    [KeeperErrorCode.BADVERSION, BadVersionError, 'ZBADVERSION', false, false],
    [KeeperErrorCode.NODEEXISTS, NodeExistsError, 'ZNODEEXISTS', false, false],
    [KeeperErrorCode.AUTHFAILED, AuthFailedError, 'ZAUTHFAILED', false, false],
    // A code without a class of its own: a plain ZooKeeperError, nothing to retry.
    [KeeperErrorCode.QUOTAEXCEEDED, ZooKeeperError, 'ZOOKEEPER', false, false],
  ];
  for (const [rc, cls, code, retriable, sessionGone] of rows) {
    const e = zooKeeperError(rc, 'create', '/x', 'text');
    assert.equal(e.constructor, cls, `rc ${rc}`);
    assert.equal(e.code, code, `rc ${rc}`);
    assert.equal(e.zkCode, rc);
    assert.equal(e.retriable, retriable, `rc ${rc} retriable`);
    assert.equal(isRetriable(e), retriable);
    assert.equal(e.sessionGone, sessionGone, `rc ${rc} sessionGone`);
    assert.equal(isSessionGone(e), sessionGone);
    assert.match(e.message, new RegExp(`^create /x failed: text \\(${rc}\\)$`));
  }
});

test('errors that are not ZooKeeper return codes: retriable only where trying again may succeed', () => {
  assert.equal(new ConnectTimeoutError('h:1', 1000).retriable, true);
  assert.equal(new ClusterUnreachableError('down').retriable, true);
  assert.equal(new InvalidConfigError('brokerId', -2, 'no').retriable, false);
  const u = new UnimplementedError('whoAmI', undefined, '3.7', undefined, '127.0.0.1:2181');
  assert.equal(u.code, 'ZUNIMPLEMENTED');
  assert.equal(u.zkCode, KeeperErrorCode.UNIMPLEMENTED);
  assert.equal(u.retriable, false);
  assert.ok(u instanceof ZooKeeperError);
  for (const notOurs of [new Error('x'), 'ECONNRESET', undefined, { retriable: true }]) assert.equal(isRetriable(notOurs), false);
});
