// The audit's findings as a decision table (src/audit/registrations-audit.ts `problems`): pure, no I/O.
// What a real cluster shows for each is exercised against real Kafka and ZooKeeper in integration/.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { controllerAddress, problems, type ZooKeeperPart } from '../src/audit/registrations-audit.js';
import { listenerRolesFrom } from '../src/confirmation/listener-roles.js';

const broker = (id: number, port: number): ZooKeeperPart['brokers'][number] => ({
  brokerId: id,
  ownerSessionId: '100009698860000',
  brokerEpoch: 10 + id,
  createdAt: 0,
  registration: {
    brokerId: id,
    version: 5,
    host: '127.0.0.1',
    port,
    endpoints: [{ listenerName: 'PLAINTEXT', host: '127.0.0.1', port, securityProtocol: 'PLAINTEXT' }],
    jmxPort: -1,
    timestamp: '1',
    rack: undefined,
    features: {},
  },
  acl: [],
  problem: undefined,
});
const healthy: ZooKeeperPart = {
  brokers: [broker(0, 9092)],
  controller: { brokerId: 0, ownerSessionId: '100009698860000', kraftControllerEpoch: -1, kraft: false, problem: undefined },
  controllerEpoch: { epoch: 1, zkVersion: 1, problem: undefined },
  clusterId: 'c1',
  clusterIdProblem: undefined,
  migration: undefined,
};
const view = (brokers: { nodeId: number; host: string; port: number }[]) => ({
  views: [{ source: '127.0.0.1:9092', brokers, controller: 0, clusterId: 'c1' }],
  unreachable: [],
  registeredNotListed: [],
  listedNotRegistered: [],
  controllerListeners: undefined,
});

test('audit: a healthy cluster has no problem', () => {
  assert.deepEqual(problems(healthy, view([{ nodeId: 0, host: '127.0.0.1', port: 9092 }])), []);
});

test('audit: an id the cluster lists at another endpoint than its registration (another process holds it)', () => {
  const typo = { ...healthy, brokers: [broker(0, 20003)] };
  const found = problems(typo, view([{ nodeId: 0, host: '127.0.0.1', port: 9092 }]));
  assert.deepEqual(
    found.map((p) => p.code),
    ['LISTED_AT_OTHER_ENDPOINT'],
    JSON.stringify(found),
  );
  assert.match(
    found[0]?.message ?? '',
    /^broker 0: registered in ZooKeeper with PLAINTEXT:\/\/127\.0\.0\.1:20003, but 127\.0\.0\.1:9092 lists it at 127\.0\.0\.1:9092: another process holds this broker id/,
  );
});

test('audit: empty or not a Kafka cluster, and no controller', () => {
  assert.deepEqual(problems({ ...healthy, clusterId: undefined }, undefined), [
    {
      code: 'NOT_A_KAFKA_CLUSTER',
      message:
        "cluster: empty or not a Kafka cluster: no /cluster/id (no Kafka broker has ever started here); is the connect string's chroot right?",
    },
  ]);
  const empty = problems({ ...healthy, brokers: [], controller: undefined }, undefined);
  assert.deepEqual(
    empty.map((p) => p.code),
    ['NOT_A_KAFKA_CLUSTER', 'NO_CONTROLLER'],
  );
  assert.match(empty[0]?.message ?? '', /no registered broker/);
  assert.match(empty[1]?.message ?? '', /no controller/);
});

test('audit: /controller naming a broker that is not registered, persistent or held by a live session', () => {
  for (const [ownerSessionId, what] of [
    ['0', /persistent node naming broker 99, which is not registered/],
    ['200009698860000', /session 0x200009698860000 holds it for broker 99, which is not registered: no broker acts as the controller/],
  ] as const) {
    const found = problems(
      { ...healthy, controller: { ...(healthy.controller as NonNullable<ZooKeeperPart['controller']>), brokerId: 99, ownerSessionId } },
      undefined,
    );
    assert.deepEqual(
      found.map((p) => p.code),
      ['STALE_CONTROLLER'],
    );
    assert.match(found[0]?.message ?? '', what);
  }
  // A KRaft controller (a migration) is no broker: not a problem of this kind.
  assert.deepEqual(
    problems(
      { ...healthy, controller: { ...(healthy.controller as NonNullable<ZooKeeperPart['controller']>), brokerId: 3000, kraft: true } },
      undefined,
    ),
    [],
  );
});

test('audit: what Kafka would suffer from in ZooKeeper alone: an epoch written back, a /controller no broker session holds, a shared endpoint, a /cluster/id that does not decode', () => {
  const ctl = healthy.controller as NonNullable<ZooKeeperPart['controller']>;
  const codes = (zk: ZooKeeperPart): string[] => problems(zk, undefined).map((p) => `${p.code}: ${p.message}`);
  // An epoch below its zkVersion, or negative.
  for (const epoch of [-7, 1]) {
    const found = codes({ ...healthy, controllerEpoch: { epoch, zkVersion: 6, problem: undefined } });
    assert.equal(found.length, 1, JSON.stringify(found));
    assert.match(found[0] ?? '', new RegExp(`^CONTROLLER_EPOCH_ZNODE: /controller_epoch: epoch ${epoch} at zkVersion 6: written back`));
  }
  // Kafka before 2.2 created it as "1" at zkVersion 0: one ahead is history, not a problem.
  assert.deepEqual(codes({ ...healthy, controllerEpoch: { epoch: 7, zkVersion: 6, problem: undefined } }), []);
  // /controller naming a registered broker, but not on that broker's session (or persistent).
  for (const [ownerSessionId, what] of [
    ['0', /persistent node naming broker 0: no broker session holds it/],
    ['300009698860000', /session 0x300009698860000 holds it for broker 0, whose registration is session 0x100009698860000's/],
  ] as const) {
    const found = codes({ ...healthy, controller: { ...ctl, ownerSessionId } });
    assert.equal(found.length, 1, JSON.stringify(found));
    assert.match(found[0] ?? '', /^STALE_CONTROLLER: /);
    assert.match(found[0] ?? '', what);
  }
  // Two brokers at one host:port.
  const shared = codes({ ...healthy, brokers: [broker(0, 9092), { ...broker(1, 9092), ownerSessionId: '200009698860000' }] });
  assert.deepEqual(shared, ['SHARED_ENDPOINT: brokers 0, 1: all registered at 127.0.0.1:9092: clients sent to one reach another']);
  // One host, spelled two ways: a name in another case, an IPv6 address in its long form.
  const at = (id: number, host: string) => {
    const b = broker(id, 9092);
    const registration = b.registration as NonNullable<typeof b.registration>;
    return {
      ...b,
      ...(id === 0 ? {} : { ownerSessionId: '200009698860000' }),
      registration: { ...registration, endpoints: registration.endpoints.map((e) => ({ ...e, host })) },
    };
  };
  assert.deepEqual(codes({ ...healthy, brokers: [at(0, 'Kafka-A.example'), at(1, 'kafka-a.EXAMPLE')] }), [
    'SHARED_ENDPOINT: brokers 0, 1: all registered at kafka-a.example:9092: clients sent to one reach another',
  ]);
  assert.deepEqual(codes({ ...healthy, brokers: [at(0, '::1'), at(1, '0:0:0:0:0:0:0:1')] }), [
    'SHARED_ENDPOINT: brokers 0, 1: all registered at [::1]:9092: clients sent to one reach another',
  ]);
  // /cluster/id that is there but does not decode: said as such, not as "no Kafka broker has ever started here".
  const garbage = codes({ ...healthy, clusterId: undefined, clusterIdProblem: 'ZNODE_FORMAT: not JSON' });
  assert.deepEqual(garbage, ['CLUSTER_ID_ZNODE: /cluster/id: ZNODE_FORMAT: not JSON']);
});

test('audit: a broker the controller cannot reach on any listener it has (MISSING_LISTENER)', () => {
  const withListeners = (id: number, port: number, names: string[]): ZooKeeperPart['brokers'][number] => {
    const b = broker(id, port);
    const endpoints = names.map((listenerName, i) => ({
      listenerName,
      host: '127.0.0.1',
      port: port + i,
      securityProtocol: 'PLAINTEXT' as const,
    }));
    return { ...b, registration: { ...(b.registration as NonNullable<typeof b.registration>), endpoints } };
  };
  const codes = (zk: ZooKeeperPart): string[] => problems(zk, undefined).map((p) => p.code);
  // The controller (broker 0) has INTERNAL and CLIENT; broker 2 has neither: certain, whatever the
  // inter-broker listener is. Broker 1 shares INTERNAL: fine.
  const found = problems(
    {
      ...healthy,
      brokers: [withListeners(0, 9092, ['INTERNAL', 'CLIENT']), withListeners(1, 9192, ['INTERNAL']), withListeners(2, 9292, ['EXTERNAL'])],
    },
    undefined,
  );
  assert.deepEqual(
    found.map((p) => p.code),
    ['MISSING_LISTENER'],
    JSON.stringify(found),
  );
  assert.match(
    found[0]?.message ?? '',
    /^broker 2: none of its listeners \(EXTERNAL\) is one the controller, broker 0, has \(INTERNAL, CLIENT\)/,
  );
  // Sharing some name with the controller is not reported: ZooKeeper cannot say it is the wrong one.
  assert.deepEqual(
    codes({ ...healthy, brokers: [withListeners(0, 9092, ['INTERNAL', 'CLIENT']), withListeners(1, 9192, ['CLIENT'])] }),
    [],
  );
  // No controller: brokers that share no name at all.
  const leaderless = { ...healthy, controller: undefined };
  assert.deepEqual(codes({ ...leaderless, brokers: [withListeners(0, 9092, ['A']), withListeners(1, 9192, ['B'])] }), [
    'NO_CONTROLLER',
    'MISSING_LISTENER',
  ]);
  assert.deepEqual(codes({ ...leaderless, brokers: [withListeners(0, 9092, ['A', 'B']), withListeners(1, 9192, ['B'])] }), [
    'NO_CONTROLLER',
  ]);
  // A KRaft controller (a migration) holds /controller: its id says nothing of the brokers' listeners.
  const kraft = {
    ...healthy,
    controller: { ...(healthy.controller as NonNullable<ZooKeeperPart['controller']>), brokerId: 3000, kraft: true },
  };
  assert.deepEqual(codes({ ...kraft, brokers: [withListeners(0, 9092, ['A']), withListeners(1, 9192, ['A'])] }), []);

  // With `bootstrap`, the controller's own configuration says which listener it uses: a broker that
  // shares a name with the controller, but not that one, is reported too.
  const shares = { ...healthy, brokers: [withListeners(0, 9092, ['INTERNAL', 'CLIENT']), withListeners(1, 9192, ['CLIENT'])] };
  const asked = (roles: { interBroker: string; controlPlane: string | undefined } | undefined) => ({
    ...view([]),
    registeredNotListed: [],
    controllerListeners: { brokerId: 0, source: '127.0.0.1:9092', roles, error: roles === undefined ? 'refused' : undefined },
  });
  const told = problems(shares, asked({ interBroker: 'INTERNAL', controlPlane: undefined })).filter((p) => p.code === 'MISSING_LISTENER');
  assert.equal(told.length, 1, JSON.stringify(told));
  assert.match(
    told[0]?.message ?? '',
    /^broker 1: it has no listener INTERNAL \(it has CLIENT\), the inter-broker listener the controller, broker 0, is configured to reach brokers on/,
  );
  // The control-plane listener, when the controller has one, is the one it uses.
  const cp = problems(shares, asked({ interBroker: 'CLIENT', controlPlane: 'INTERNAL' })).filter((p) => p.code === 'MISSING_LISTENER');
  assert.match(cp[0]?.message ?? '', /no listener INTERNAL .* the control-plane listener/);
  // Configured on the one broker 1 has: nothing to report. Not asked (or not answered): only what is certain.
  assert.deepEqual(
    problems(shares, asked({ interBroker: 'CLIENT', controlPlane: undefined })).filter((p) => p.code === 'MISSING_LISTENER'),
    [],
  );
  assert.deepEqual(
    problems(shares, asked(undefined)).filter((p) => p.code === 'MISSING_LISTENER'),
    [],
  );
});

test('listenerRolesFrom: as KafkaConfig derives them from described configs', () => {
  const from = (c: Record<string, string | null>) => listenerRolesFrom((n) => c[n]);
  assert.deepEqual(from({ 'inter.broker.listener.name': 'internal', 'security.inter.broker.protocol': 'PLAINTEXT' }), {
    interBroker: 'INTERNAL',
    controlPlane: undefined,
  });
  // Unset (null, as DescribeConfigs says it): the listener named after the inter-broker protocol.
  assert.deepEqual(
    from({ 'inter.broker.listener.name': null, 'security.inter.broker.protocol': 'SSL', 'control.plane.listener.name': 'CONTROL' }),
    {
      interBroker: 'SSL',
      controlPlane: 'CONTROL',
    },
  );
  assert.equal(from({}), undefined);
});

test('the controller is asked where a view that names it controller lists it, at an endpoint it registered', () => {
  const v = (source: string, controller: number, port: number, host = '127.0.0.1') => ({
    source,
    brokers: [{ nodeId: 0, host, port }],
    controller,
    clusterId: 'c1',
  });
  // Registered at 9092. A view that lists it elsewhere (another process holds the id) is not believed.
  assert.deepEqual(controllerAddress(healthy, 0, [v('a:1', 0, 20003), v('b:1', 0, 9092)]), { address: '127.0.0.1:9092' });
  // Only there: not asked (its settings would be another process's), and said why.
  assert.deepEqual(controllerAddress(healthy, 0, [v('a:1', 0, 20003)]), {
    error: 'listed only at 127.0.0.1:20003, an endpoint its registration does not have',
  });
  // No view names it controller (it moved since /controller was read): not asked.
  assert.match((controllerAddress(healthy, 0, [v('a:1', 5, 9092)]) as { error: string }).error, /names it controller/);
  assert.match((controllerAddress(healthy, 0, []) as { error: string }).error, /names it controller/);
  // An IPv6 address in brackets.
  const v6 = {
    ...healthy,
    brokers: [
      {
        ...broker(0, 9092),
        registration: {
          ...(broker(0, 9092).registration as NonNullable<ReturnType<typeof broker>['registration']>),
          endpoints: [{ listenerName: 'PLAINTEXT', host: '::1', port: 9092, securityProtocol: 'PLAINTEXT' as const }],
        },
      },
    ],
  };
  assert.deepEqual(controllerAddress(v6, 0, [v('a:1', 0, 9092, '::1')]), { address: '[::1]:9092' });
});
