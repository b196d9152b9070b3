// Bad configuration must fail fast with InvalidConfigError naming the field and the value.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  auditRegistrations,
  BrokerRegistrar,
  Connection,
  InvalidConfigError,
  OwnedEphemeral,
  parseConnectString,
  Session,
  type BrokerRegistrarConfig,
  type OwnedEphemeralOptions,
} from '../src/index.js';

const good: BrokerRegistrarConfig = {
  zookeeper: { connect: '127.0.0.1:2181' },
  brokerId: 1,
  listeners: [{ name: 'PLAINTEXT', host: 'localhost', port: 9092 }],
};

function rejects(config: unknown, field: string, value: unknown): void {
  assert.throws(
    () => new BrokerRegistrar(config as BrokerRegistrarConfig),
    (err: unknown) => {
      assert.ok(err instanceof InvalidConfigError, `expected InvalidConfigError, got ${String(err)}`);
      assert.equal(err.code, 'INVALID_CONFIG');
      assert.equal(err.field, field);
      assert.deepEqual(err.value, value);
      assert.ok(err.message.includes(field), `message names the field: ${err.message}`);
      return true;
    },
  );
}

describe('BrokerRegistrar config validation', () => {
  test('a good config constructs without touching the network', () => {
    const r = new BrokerRegistrar(good);
    assert.equal(r.status().state, 'idle');
    assert.equal(r.path, '/brokers/ids/1');
  });
  test('missing config', () => rejects(undefined, 'config', undefined));
  for (const id of [-1, 1.5, '1', 2147483648, NaN]) {
    test(`brokerId ${String(id)}`, () => rejects({ ...good, brokerId: id }, 'brokerId', id));
  }
  test('brokerId NaN is named as NaN, not null', () => {
    assert.throws(() => new BrokerRegistrar({ ...good, brokerId: NaN }), /invalid brokerId: NaN/);
  });
  test('a misspelled key is refused, not ignored', () => rejects({ ...good, brokerID: 2 }, 'brokerID', 2));
  // Node fires a timer longer than 2^31 - 1 ms after 1 ms: "wait this long" would become "at once".
  for (const [where, cfg, field] of [
    [
      'zookeeper.sessionTimeoutMs',
      { ...good, zookeeper: { connect: '127.0.0.1:2181', sessionTimeoutMs: 2 ** 31 } },
      'zookeeper.sessionTimeoutMs',
    ],
    [
      'zookeeper.connectTimeoutMs',
      { ...good, zookeeper: { connect: '127.0.0.1:2181', connectTimeoutMs: 99999999999 } },
      'zookeeper.connectTimeoutMs',
    ],
    ['zookeeper.wedgedAfterMs', { ...good, zookeeper: { connect: '127.0.0.1:2181', wedgedAfterMs: 2 ** 40 } }, 'zookeeper.wedgedAfterMs'],
    ['conflict.timeoutMs', { ...good, conflict: { timeoutMs: 2 ** 40 } }, 'conflict.timeoutMs'],
    ['confirm.timeoutMs', { ...good, confirm: { kafka: { brokers: ['127.0.0.1:9092'] }, timeoutMs: 2 ** 31 } }, 'confirm.timeoutMs'],
  ] as const) {
    test(`${where} longer than Node's longest timer is refused`, () =>
      rejects(
        cfg,
        field,
        (cfg as unknown as Record<string, Record<string, unknown>>)[field.split('.')[0] as string]?.[field.split('.')[1] as string],
      ));
  }
  test('confirm.kafka.brokers: each entry host:port with a port in 1..65535', () => {
    for (const brokers of [['h:'], ['h'], ['127.0.0.1:0'], ['127.0.0.1:99999'], []])
      rejects({ ...good, confirm: { kafka: { brokers } } }, 'confirm.kafka.brokers', brokers);
  });
  test('confirm.kafka: kafkajs options checked by key and type, not misread by kafkajs at the first call; credentials never echoed', () => {
    const brokers = ['127.0.0.1:9092'];
    for (const [option, value, shown] of [
      ['requestTimout', 1000, '<redacted>'], // a typo: its value may be anything, a secret too
      ['connectionTimeout', '1000', '1000'],
      ['requestTimeout', -1, -1],
      ['ssl', 'yes', '<redacted>'],
      ['sasl', { mechanism: '', username: 'u', password: 'hunter2' }, '<redacted>'],
      ['sasl', 'plain:u:hunter2', '<redacted>'],
      ['retry', 3, 3],
      ['enforceRequestTimeout', 'true', 'true'],
      ['socketFactory', {}, {}],
      ['logLevel', 4, 4], // would be ignored: logs go through debug
    ] as const)
      assert.throws(
        () => new BrokerRegistrar({ ...good, confirm: { kafka: { brokers, [option]: value } } } as BrokerRegistrarConfig),
        (e: unknown) => {
          assert.ok(e instanceof InvalidConfigError && e.field === `confirm.kafka.${option}`, String(e));
          assert.deepEqual(e.value, shown);
          assert.ok(!e.message.includes('hunter2'), e.message);
          return true;
        },
      );
    // What kafkajs 2.2.4 takes: mechanisms in any case, a custom one, fractions, zero, an empty clientId, undefined.
    for (const kafka of [
      { brokers, clientId: 'me', connectionTimeout: 3000, requestTimeout: 5000.5, ssl: true, retry: { retries: 2 } },
      { brokers, ssl: { rejectUnauthorized: false }, sasl: { mechanism: 'SCRAM-SHA-512', username: 'u', password: 'p' } },
      { brokers, sasl: { mechanism: 'PLAIN', username: 'u', password: 'p' }, connectionTimeout: 0, clientId: '' },
      { brokers, sasl: { mechanism: 'my-mech', authenticationProvider: () => ({ authenticate: async () => undefined }) } },
      { brokers, logLevel: undefined },
      { brokers: async () => brokers },
    ])
      assert.doesNotThrow(() => new BrokerRegistrar({ ...good, confirm: { kafka } } as BrokerRegistrarConfig));
  });
  test('controller: true (a shorthand) is refused, not ignored', () => rejects({ ...good, controller: true }, 'controller', true));
  test('an unknown nested key is refused', () => rejects({ ...good, conflict: { timeout: 5 } }, 'conflict.timeout', 5));
  test('an unknown listener key is refused', () =>
    rejects({ ...good, listeners: [{ name: 'PLAINTEXT', host: 'h', port: 1, protocol: 'SSL' }] }, 'listeners[0].protocol', 'SSL'));
  test('features Kafka would not decode (max < min) are refused', () =>
    rejects({ ...good, features: { 'metadata.version': { min_version: 5, max_version: 1 } } }, 'features', {
      'metadata.version': { min_version: 5, max_version: 1 },
    }));
  test('no listeners', () => rejects({ ...good, listeners: [] }, 'listeners', []));
  test('listener port 0', () => rejects({ ...good, listeners: [{ name: 'PLAINTEXT', host: 'h', port: 0 }] }, 'listeners[0].port', 0));
  test('listener port 70000', () =>
    rejects({ ...good, listeners: [{ name: 'PLAINTEXT', host: 'h', port: 70000 }] }, 'listeners[0].port', 70000));
  test('listener host with a space', () =>
    rejects({ ...good, listeners: [{ name: 'PLAINTEXT', host: 'bad host', port: 1 }] }, 'listeners[0].host', 'bad host'));
  test('wildcard host', () =>
    rejects({ ...good, listeners: [{ name: 'PLAINTEXT', host: '0.0.0.0', port: 1 }] }, 'listeners[0].host', '0.0.0.0'));
  test('listener name with ://', () =>
    rejects({ ...good, listeners: [{ name: 'A://', host: 'h', port: 1 }] }, 'listeners[0].name', 'A://'));
  test('duplicate listener names', () =>
    rejects(
      {
        ...good,
        listeners: [
          { name: 'PLAINTEXT', host: 'h', port: 1 },
          { name: 'plaintext', host: 'h', port: 2 },
        ],
      },
      'listeners[1].name',
      'plaintext',
    ));
  test('custom listener without protocol: said as not given, never "invalid x: undefined"', () => {
    rejects({ ...good, listeners: [{ name: 'INTERNAL', host: 'h', port: 1 }] }, 'listeners[0].securityProtocol', undefined);
    assert.throws(
      () => new BrokerRegistrar({ ...good, listeners: [{ name: 'INTERNAL', host: 'h', port: 1 }] }),
      (err: unknown) => {
        assert.match(
          (err as Error).message,
          /^listeners\[0\]\.securityProtocol is not given \(listener "INTERNAL" is not a security protocol name/,
        );
        assert.doesNotMatch((err as Error).message, /undefined/);
        return true;
      },
    );
  });
  test('a listener host with a port is refused (it would be advertised as the literal [127.0.0.1:9092])', () =>
    rejects({ ...good, listeners: [{ name: 'PLAINTEXT', host: '127.0.0.1:9092', port: 9092 }] }, 'listeners[0].host', '127.0.0.1:9092'));
  test('IPv6 literals are still hosts', () => {
    for (const host of ['::1', 'fe80::1', '::ffff:127.0.0.1']) {
      assert.doesNotThrow(() => new BrokerRegistrar({ ...good, listeners: [{ name: 'PLAINTEXT', host, port: 9092 }] }), host);
    }
  });
  test('controller { enabled: true } is refused by name: candidacy needs performsControllerDuties', () =>
    rejects({ ...good, controller: { enabled: true } }, 'controller.enabled', true));
  test('controller {} lacks the acknowledgement', () =>
    rejects({ ...good, controller: {} }, 'controller.performsControllerDuties', undefined));
  test('unknown protocol', () =>
    rejects({ ...good, listeners: [{ name: 'X', host: 'h', port: 1, securityProtocol: 'TLS' }] }, 'listeners[0].securityProtocol', 'TLS'));
  test('jmxPort 0', () => rejects({ ...good, jmxPort: 0 }, 'jmxPort', 0));
  test('znodeVersion 3', () => rejects({ ...good, znodeVersion: 3 }, 'znodeVersion', 3));
  test('empty rack', () => rejects({ ...good, rack: '' }, 'rack', ''));
  test('conflict policy', () => rejects({ ...good, conflict: { policy: 'adopt' } }, 'conflict.policy', 'adopt'));
  test('conflict timeout', () => rejects({ ...good, conflict: { timeoutMs: -5 } }, 'conflict.timeoutMs', -5));
  test('missing zookeeper', () => rejects({ ...good, zookeeper: undefined }, 'zookeeper', undefined));
  test('connect string with a bad port', () =>
    rejects({ ...good, zookeeper: { connect: 'localhost:0' } }, 'zookeeper.connect', 'localhost:0'));
  test('session timeout 0', () =>
    rejects({ ...good, zookeeper: { connect: 'h:1', sessionTimeoutMs: 0 } }, 'zookeeper.sessionTimeoutMs', 0));
  test('connect timeout string', () =>
    rejects({ ...good, zookeeper: { connect: 'h:1', connectTimeoutMs: '5' } }, 'zookeeper.connectTimeoutMs', '5'));
  test('backoff max < min', () =>
    rejects({ ...good, zookeeper: { connect: 'h:1', reconnectBackoffMs: { min: 100, max: 10 } } }, 'zookeeper.reconnectBackoffMs.max', 10));
  test('backoff with an unknown key', () =>
    rejects(
      { ...good, zookeeper: { connect: 'h:1', reconnectBackoffMs: { min: 100, max: 200, x: 1 } } },
      'zookeeper.reconnectBackoffMs.x',
      1,
    ));
});

describe('connect strings', () => {
  test('hosts and chroot', () => {
    assert.deepEqual(parseConnectString('a:1,b.example:2181,[::1]:3/kafka/prod'), {
      hosts: 'a:1,b.example:2181,[::1]:3',
      chroot: '/kafka/prod',
    });
    assert.deepEqual(parseConnectString('a:1/'), { hosts: 'a:1', chroot: undefined });
    // Blanks around commas, as in many compose files: read as ZooKeeper's clients read them.
    assert.deepEqual(parseConnectString('zk-a:2181, zk-b:2181/kafka'), { hosts: 'zk-a:2181,zk-b:2181', chroot: '/kafka' });
    // Kafka's own zookeeper.connect, as ZooKeeper's ConnectStringParser reads it: a host without a
    // port is on 2181, and empty entries are dropped.
    assert.deepEqual(parseConnectString('zk-a,zk-b:2182,,zk-c,/kafka'), { hosts: 'zk-a:2181,zk-b:2182,zk-c:2181', chroot: '/kafka' });
    assert.deepEqual(new Connection({ connect: 'localhost/kafka' }).connectString, { hosts: 'localhost:2181', chroot: '/kafka' });
  });
  for (const bad of ['', ',', 'a:0', 'a:99999', 'a:1/k/', 'a:1//k', 'a:1/k/../x', 'a b:1', '::1:2181', '[a]:1']) {
    test(`rejects ${JSON.stringify(bad)}`, () => {
      assert.throws(() => new Connection({ connect: bad }), { code: 'INVALID_CONFIG', field: 'zookeeper.connect' });
    });
  }
});

describe('a rejected config leaves a shared connection untouched', () => {
  for (const [name, extra, field] of [
    ['bad confirm listener', { confirm: { kafka: { brokers: ['k:9092'] }, listener: 'NOPE' } }, 'confirm.listener'],
    ['bad confirm timeout', { confirm: { kafka: { brokers: ['k:9092'] }, timeoutMs: -1 } }, 'confirm.timeoutMs'],
    ['both admin and kafka missing', { confirm: {} }, 'confirm'],
    ['confirm listener not a name', { confirm: { kafka: { brokers: ['k:9092'] }, listener: 42 } }, 'confirm.listener'],
    ['confirm admin null', { confirm: { admin: null } }, 'confirm.admin'],
    ['re-checks every few ms', { confirm: { kafka: { brokers: ['k:9092'] }, recheckIntervalMs: 20 } }, 'confirm.recheckIntervalMs'],
    [
      'missing decided by one re-check',
      { confirm: { kafka: { brokers: ['k:9092'] }, recheckIntervalMs: 200, missingAfterMs: 200 } },
      'confirm.missingAfterMs',
    ],
    ['bad bootstrap', { confirm: { kafka: { brokers: ['nohostport'] } } }, 'confirm.kafka.brokers'],
  ] as const) {
    test(name, () => {
      const conn = new Connection({ connect: '127.0.0.1:2181' });
      assert.throws(() => new BrokerRegistrar({ ...good, zookeeper: conn, ...(extra as object) } as BrokerRegistrarConfig), {
        code: 'INVALID_CONFIG',
        field,
      });
      for (const ev of ['session', 'connected', 'disconnected', 'expired'] as const)
        assert.equal(conn.listenerCount(ev), 0, `${ev} listeners left behind`);
    });
  }
});

describe('the building blocks check their options when constructed, not at start()', () => {
  const connection = new Connection({ connect: '127.0.0.1:2181' });
  const ok = { connection, path: '/x', data: () => Buffer.from('x') };
  const refused = (opts: unknown, field: string): void =>
    void assert.throws(
      () => new OwnedEphemeral(opts as OwnedEphemeralOptions),
      (e: unknown) => e instanceof InvalidConfigError && e.field === field,
    );
  test('OwnedEphemeral: path, data, policies, timeouts, unknown keys', () => {
    assert.doesNotThrow(() => new OwnedEphemeral(ok));
    refused({ ...ok, path: 'relative' }, 'path');
    refused({ ...ok, path: '/a/' }, 'path');
    // ZooKeeper's own subtree, directly or through the chroot; a chroot makes /zookeeper an ordinary name.
    for (const path of ['/zookeeper', '/zookeeper/quota/x']) refused({ ...ok, path }, 'path');
    refused({ ...ok, connection: new Connection({ connect: '127.0.0.1:2181/zookeeper/kafka' }), path: '/brokers/ids/1' }, 'path');
    assert.doesNotThrow(
      () => new OwnedEphemeral({ ...ok, connection: new Connection({ connect: '127.0.0.1:2181/kafka' }), path: '/zookeeper' }),
    );
    assert.doesNotThrow(() => new OwnedEphemeral({ ...ok, path: '/zookeeperish' }));
    refused({ ...ok, data: 'notfn' }, 'data');
    refused({ ...ok, onConflict: 'steal' }, 'onConflict');
    refused({ ...ok, onPersistentNode: 'adopt' }, 'onPersistentNode');
    refused({ ...ok, conflictTimeoutMs: 2 ** 40 }, 'conflictTimeoutMs');
    refused({ ...ok, runWhen: true }, 'runWhen');
    refused({ ...ok, dataa: () => Buffer.alloc(0) }, 'dataa');
    for (const connection of [undefined, null, {}, '127.0.0.1:2181']) refused({ ...ok, connection }, 'connection');
    refused({ ...ok, mutex: {} }, 'mutex');
    for (const acl of [
      'x',
      null,
      [],
      [{ scheme: 'world', id: 'anyone' }],
      [{ scheme: '', id: 'anyone', perms: 31 }],
      [{ scheme: 'world', id: 'anyone', perms: 32 }],
    ])
      refused({ ...ok, acl }, 'acl');
  });
  test('Session.open: an unknown key (a Connection-style auth, a typo) is refused, not an unauthenticated session', async () => {
    for (const [key, value] of [
      ['auth', { scheme: 'digest', credentials: 'u:p' }],
      ['digest', 'u:p'],
      ['pwd', 'u:p'],
      ['sessionTimeoutMS', 1000],
    ] as const)
      await assert.rejects(
        Session.open({ connect: '127.0.0.1:1', sessionTimeoutMs: 4000, [key]: value } as never),
        (e: unknown) => e instanceof InvalidConfigError && e.field === key && !e.message.includes('u:p'),
      );
  });
  test('BrokerRegistrar.start(): a bad option rejects, and the registrar stays idle and startable', async () => {
    const r = new BrokerRegistrar(good);
    for (const [opts, field] of [
      [{ signal: 'x' }, 'start.signal'],
      [{ signl: 1 }, 'start.signl'],
      [42, 'start'],
    ] as const) {
      await assert.rejects(r.start(opts as never), (e: unknown) => e instanceof InvalidConfigError && e.field === field);
      assert.equal(r.status().state, 'idle');
    }
  });
  test('auditRegistrations: options checked before anything connects', async () => {
    for (const [opts, field] of [
      [{ bootstrap: '127.0.0.1:1' }, 'bootstrap'],
      [{ bootstrap: ['h:'] }, 'bootstrap'],
      [{ bootstrp: ['h:1'] }, 'bootstrp'],
      [{ connectTimeoutMs: 2 ** 40 }, 'connectTimeoutMs'],
    ] as const) {
      await assert.rejects(
        auditRegistrations('127.0.0.1:1', opts as never),
        (e: unknown) => e instanceof InvalidConfigError && e.field === field,
      );
    }
  });
});
