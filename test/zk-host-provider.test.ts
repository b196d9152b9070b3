// The client's connect-string parsing, host order and chroot mapping (src/zookeeper/client), which
// need no server: ConnectStringParser's rules, StaticHostProvider's round-robin and pause.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InvalidConfigError } from '../src/errors.js';
import { Chroot, HostProvider, invalidPathReason, parseConnectString, resolveHost } from '../src/zookeeper/client/index.js';

describe('parseConnectString', () => {
  test('hosts, default port, blanks around commas, empty entries, chroot', () => {
    assert.deepEqual(parseConnectString('a:1, b ,c:3/kafka/x'), {
      hosts: [
        { host: 'a', port: 1 },
        { host: 'b', port: 2181 },
        { host: 'c', port: 3 },
      ],
      chroot: '/kafka/x',
    });
    assert.deepEqual(parseConnectString('a:1,,b:2/'), {
      hosts: [
        { host: 'a', port: 1 },
        { host: 'b', port: 2 },
      ],
      chroot: undefined,
    });
    assert.deepEqual(parseConnectString('a:1,b:2').chroot, undefined);
  });

  test('IPv6 in brackets, IPv4-mapped included', () => {
    assert.deepEqual(parseConnectString('[::1]:2182,[::ffff:127.0.0.1]:2181,[fe80::1]').hosts, [
      { host: '::1', port: 2182 },
      { host: '::ffff:127.0.0.1', port: 2181 },
      { host: 'fe80::1', port: 2181 },
    ]);
  });

  test('refused: no host, bad ports, unbracketed IPv6, bad chroot', () => {
    for (const bad of ['', ' , ', 'a:0', 'a:65536', 'a:x', '::1:2181', '[::1', '[::1]x', '[nothex]:1', 'a:1/bad/', 'a:1/x//y', 'a b:1']) {
      assert.throws(() => parseConnectString(bad), InvalidConfigError, bad);
    }
  });
});

describe('HostProvider', () => {
  test('round-robin in the given order; a pause only when a whole round failed since the last connection', () => {
    const hosts = parseConnectString('a:1,b:2,c:3').hosts;
    const hp = new HostProvider(hosts, { shuffle: false, retryListPauseMs: 1000 });
    const round = (): [string, number][] => [0, 1, 2].map(() => hp.next()).map((n) => [n.host.host, n.pauseMs]);
    assert.deepEqual(round(), [
      ['a', 0],
      ['b', 0],
      ['c', 0],
    ]);
    assert.deepEqual(round(), [
      ['a', 1000],
      ['b', 0],
      ['c', 0],
    ]);
    hp.next(); // a
    hp.next(); // b
    hp.onConnected(); // connected to b; then lost it
    assert.deepEqual(round(), [
      ['c', 0],
      ['a', 0],
      ['b', 1000],
    ]);
    const one = new HostProvider([{ host: 'x', port: 1 }], { retryListPauseMs: 250 });
    assert.equal(one.next().pauseMs, 0, 'never a pause before the first attempt');
    one.onConnected();
    assert.equal(one.next().pauseMs, 250, 'one host: every reconnect waits, as the Java client');
  });

  test('shuffled once, with the given randomness', () => {
    const hosts = parseConnectString('a:1,b:2,c:3,d:4').hosts;
    const hp = new HostProvider(hosts, { random: () => 0 });
    assert.deepEqual(
      hp.order.map((h) => h.host),
      ['b', 'c', 'd', 'a'],
    );
    assert.deepEqual(
      [0, 1, 2, 3, 4].map(() => hp.next().host.host),
      ['b', 'c', 'd', 'a', 'b'],
    );
  });

  test('resolution: an address as is; a name that does not resolve is a result, not a throw', async () => {
    assert.deepEqual(await resolveHost({ host: '::1', port: 1 }), { ok: true, address: '::1', family: 6 });
    const r = await resolveHost({ host: 'no-such-host.invalid', port: 1 });
    assert.equal(r.ok, false);
    assert.ok(!r.ok && r.error instanceof Error);
  });
});

describe('Chroot and paths', () => {
  test('in and out', () => {
    const c = new Chroot('/kafka');
    assert.equal(c.toServer('/'), '/kafka');
    assert.equal(c.toServer('/brokers'), '/kafka/brokers');
    assert.equal(c.toClient('/kafka'), '/');
    assert.equal(c.toClient('/kafka/brokers'), '/brokers');
    assert.equal(c.toClient('/kafkaesque'), '/kafkaesque', 'outside the chroot: unchanged');
    assert.equal(c.contains('/kafkaesque'), false);
    const none = new Chroot(undefined);
    assert.equal(none.toServer('/a'), '/a');
    assert.equal(none.toClient('/a'), '/a');
  });

  test('ZooKeeper path rules', () => {
    assert.equal(invalidPathReason('/a/b'), undefined);
    assert.equal(invalidPathReason('/'), undefined);
    assert.equal(invalidPathReason('/a/', true), undefined, 'a sequential create may end in /');
    for (const bad of ['', 'a', '/a/', '/a//b', '/a/./b', '/a/../b', '/a\u0000'])
      assert.notEqual(invalidPathReason(bad), undefined, JSON.stringify(bad));
  });
});
