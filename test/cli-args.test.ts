import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cliMessage, needsLocalHostName, optionFor, parseCommand } from '../src/cli/args.js';
import { parseCsvMap } from '../src/cli/kafka-lists.js';
import {
  BrokerRegistrar,
  ControllerCandidacyRefusedError,
  InvalidConfigError,
  ListenerMismatchError,
  MigrationInProgressError,
} from '../src/index.js';

test('register: Kafka-style listeners and protocol map become a valid config', () => {
  const cmd = parseCommand([
    'register',
    '--zookeeper',
    'zk:2181/kafka',
    '--broker-id',
    '3',
    '--listeners',
    'PLAINTEXT://b3:9092,INTERNAL://[::1]:9093',
    '--listener-security-protocol-map',
    'INTERNAL:SASL_SSL',
    '--rack',
    'r1',
    '--jmx-port',
    '9999',
    '--znode-version',
    '4',
    '--controller',
    '--performs-controller-duties',
    '--confirm-bootstrap',
    'k1:9092,k2:9092',
  ]);
  assert.equal(cmd.kind, 'register');
  if (cmd.kind !== 'register') return;
  assert.deepEqual(cmd.config.listeners, [
    { name: 'PLAINTEXT', host: 'b3', port: 9092 },
    { name: 'INTERNAL', host: '::1', port: 9093, securityProtocol: 'SASL_SSL' },
  ]);
  assert.equal(cmd.config.brokerId, 3);
  assert.equal(cmd.config.znodeVersion, 4);
  assert.deepEqual(cmd.config.controller, { performsControllerDuties: true });
  assert.deepEqual(cmd.config.confirm?.kafka?.brokers, ['k1:9092', 'k2:9092']);
  const r = new BrokerRegistrar(cmd.config); // the library accepts it
  assert.equal(r.path, '/brokers/ids/3');
});

for (const [args, field] of [
  [['register', '--broker-id', '1', '--listeners', 'PLAINTEXT://h:1'], '--zookeeper'],
  [['register', '--zookeeper', 'z:1', '--listeners', 'PLAINTEXT://h:1'], '--broker-id'],
  [['register', '--zookeeper', 'z:1', '--broker-id', 'one', '--listeners', 'PLAINTEXT://h:1'], '--broker-id'],
  [['register', '--zookeeper', 'z:1', '--broker-id', '1', '--listeners', 'h:1'], '--listeners'],
  [
    ['register', '--zookeeper', 'z:1', '--broker-id', '1', '--listeners', 'PLAINTEXT://h:1', '--listener-security-protocol-map', 'X'],
    '--listener-security-protocol-map',
  ],
  [['frobnicate', '--zookeeper', 'z:1'], 'command'],
] as const) {
  test(`bad arguments name the option: ${field}`, () => {
    assert.throws(
      () => parseCommand(args),
      (e: unknown) => e instanceof InvalidConfigError && e.field === field,
    );
  });
}

test('unknown options are rejected', () => {
  assert.throws(() => parseCommand(['register', '--zookeeper', 'z:1', '--bogus']), /^CommandLineError: unknown option --bogus$/);
});

test('argument problems are said in their own words: unknown option (with the close flag), missing value, stray word; --version takes nothing', () => {
  const said = (args: string[]): string => {
    try {
      parseCommand(args);
    } catch (err) {
      assert.ok(err instanceof InvalidConfigError, String(err)); // main exits 2 on these
      return cliMessage(err);
    }
    return assert.fail(`${args.join(' ')} was accepted`);
  };
  assert.equal(said(['register', '--zookeper', 'z:1']), 'unknown option --zookeper (did you mean --zookeeper?)');
  assert.equal(said(['audit', '--zookeeper', 'z:1', '--jsno']), 'unknown option --jsno (did you mean --json?)');
  assert.equal(said(['register', '--zookeeper', 'z:1', '--frobnicate']), 'unknown option --frobnicate');
  assert.equal(said(['register', '--zookeeper']), '--zookeeper needs a value');
  assert.equal(said(['register', '--zookeeper', 'z:1', '--controller=yes']), '--controller takes no value (given "yes")');
  assert.equal(said(['audit', '--zookeeper', 'z:1', 'extra']), 'unexpected argument "extra": every value follows its option');
  assert.equal(said(['--version', '--bogus']), 'unknown option --bogus (--version takes no options)');
  assert.equal(said(['help', 'audit', 'now']), 'unexpected argument "now": help audit takes none');
  for (const args of [
    ['register', '--zookeper', 'z:1'],
    ['register', '--zookeeper'],
  ])
    assert.doesNotMatch(said(args), /is not given|Unknown option/);
  assert.deepEqual(parseCommand(['--version']), { kind: 'version' });
});

test('integers as Kafka reads them (Integer.parseInt of the trimmed value): a sign allowed, a fraction refused', () => {
  const id = (v: string): unknown => {
    const cmd = parseCommand(['register', '--zookeeper', 'z:1', '--broker-id', v, '--listeners', 'PLAINTEXT://h:1']);
    return cmd.kind === 'register' ? cmd.config.brokerId : undefined;
  };
  assert.equal(id('+1'), 1);
  assert.equal(id(' 7 '), 7);
  for (const bad of ['1.5', '0x10', '1e3', ''])
    assert.throws(
      () => id(bad),
      (e: unknown) => e instanceof InvalidConfigError && e.field === '--broker-id',
    );
  // Beyond an int: refused as Kafka refuses it, and quoted as typed (before: "invalid --broker-id: 1e+23").
  assert.throws(
    () => id('99999999999999999999999'),
    (e: unknown) =>
      e instanceof InvalidConfigError &&
      cliMessage(e).startsWith('invalid --broker-id: "99999999999999999999999" (expected a 32-bit signed integer'),
  );
  // No range that offers what the flag refuses (before: "from -2147483648 to 2147483647" for a broker id).
  for (const huge of ['99999999999999999999999', '-99999999999999999999999'])
    assert.throws(
      () => id(huge),
      (e: unknown) => e instanceof InvalidConfigError && !cliMessage(e).includes('-2147483648'),
    );
});

test('the connect string and the credentials file: named by the flag, a URL refused for what it is', () => {
  const run =
    (...extra: string[]) =>
    () =>
      parseCommand(['register', '--zookeeper', 'z:1', '--broker-id', '1', '--listeners', 'PLAINTEXT://h:1', ...extra]);
  const zk = (v: string) => () => parseCommand(['register', '--zookeeper', v, '--broker-id', '1', '--listeners', 'PLAINTEXT://h:1']);
  // Before: 'chroot "//127.0.0.1:2181" has an empty segment'.
  assert.throws(zk('zk://127.0.0.1:2181'), (e: unknown) =>
    /^invalid --zookeeper: "zk:\/\/127\.0\.0\.1:2181" \(a connect string has no scheme/.test(cliMessage(e)),
  );
  assert.throws(zk('127.0.0.1:2181,zk://h2:2181'), (e: unknown) => /a connect string has no scheme \(zk:\/\/\)/.test(cliMessage(e)));
  // Credentials in a connect string: refused, never echoed.
  assert.throws(
    zk('ZK://u:hunter2@h:2181'),
    (e: unknown) => /holds no credentials/.test(cliMessage(e)) && !cliMessage(e).includes('hunter2'),
  );
  // Before: "invalid --zookeeper-auth-file.credentials", a key under the flag, not a flag.
  assert.throws(run('--zookeeper-auth-file', '/etc/hostname'), (e: unknown) => {
    assert.ok(e instanceof InvalidConfigError && e.field === '--zookeeper-auth-file', String(e));
    assert.match(cliMessage(e), /^invalid --zookeeper-auth-file: "\/etc\/hostname" \(its credentials: /);
    return true;
  });
});

test('an option given twice is refused, not silently the last', () => {
  assert.throws(
    () => parseCommand(['register', '--zookeeper', 'z:1', '--broker-id', '1', '--broker-id', '2', '--listeners', 'PLAINTEXT://h:1']),
    (e: unknown) => e instanceof InvalidConfigError && e.field === '--broker-id' && /more than once/.test(e.message),
  );
});

test('no command at all is a usage error, not help', () => {
  assert.throws(
    () => parseCommand([]),
    (e: unknown) => e instanceof InvalidConfigError && e.field === 'command',
  );
  assert.equal(parseCommand(['help']).kind, 'help');
});

test('audit validates --zookeeper like register does', () => {
  assert.throws(
    () => parseCommand(['audit', '--zookeeper', 'localhost:99999']),
    (e: unknown) => e instanceof InvalidConfigError && e.field === '--zookeeper',
  );
});

test('--connect-timeout-ms reaches the connection options', () => {
  const cmd = parseCommand([
    'register',
    '--zookeeper',
    'z:1',
    '--broker-id',
    '1',
    '--listeners',
    'PLAINTEXT://h:1',
    '--connect-timeout-ms',
    '5000',
  ]);
  assert.ok(cmd.kind === 'register' && 'connectTimeoutMs' in cmd.config.zookeeper && cmd.config.zookeeper.connectTimeoutMs === 5000);
});

test('library field names map back to the option a CLI user typed', () => {
  assert.equal(optionFor('listeners[0].port'), '--listeners');
  assert.equal(optionFor('listeners[1].securityProtocol'), '--listener-security-protocol-map');
  assert.equal(optionFor('zookeeper.sessionTimeoutMs'), '--session-timeout-ms');
  assert.equal(optionFor('brokerId'), '--broker-id');
});

test('health and audit options: validated, named, and refused where they do not belong', () => {
  const reg = ['register', '--zookeeper', 'z:1', '--broker-id', '1', '--listeners', 'PLAINTEXT://h:1'];
  const ok = parseCommand([...reg, '--health-port', '8080']);
  assert.ok(ok.kind === 'register');
  assert.deepEqual(ok.kind === 'register' && ok.health, { port: 8080, host: '127.0.0.1' }, 'loopback unless told otherwise');
  assert.equal(parseCommand(reg).kind === 'register' && (parseCommand(reg) as { health: unknown }).health, undefined);
  const refused: [string[], string][] = [
    [[...reg, '--health-port', '70000'], '--health-port'],
    [[...reg, '--health-port', 'http'], '--health-port'],
    [[...reg, '--health-host', '0.0.0.0'], '--health-host'],
    [[...reg, '--json'], '--json'],
    [['audit', '--zookeeper', 'z:1', '--health-port', '1'], '--health-port'],
  ];
  for (const [args, field] of refused) {
    assert.throws(
      () => parseCommand(args),
      (e: unknown) => e instanceof InvalidConfigError && e.field === field,
      args.join(' '),
    );
  }
  const audit = parseCommand(['audit', '--zookeeper', 'z:1', '--json']);
  assert.ok(audit.kind === 'audit' && audit.json);
});

test('--kraft-migration reaches the config and is validated by it', () => {
  const reg = ['register', '--zookeeper', 'z:1', '--broker-id', '1', '--listeners', 'PLAINTEXT://h:1'];
  const cmd = parseCommand([...reg, '--kraft-migration', 'register']);
  assert.ok(cmd.kind === 'register' && cmd.config.kraftMigration === 'register');
  const bad = parseCommand([...reg, '--kraft-migration', 'maybe']);
  assert.throws(
    () => new BrokerRegistrar((bad as { config: ConstructorParameters<typeof BrokerRegistrar>[0] }).config),
    (e: unknown) => e instanceof InvalidConfigError && e.field === 'kraftMigration' && optionFor(e.field) === '--kraft-migration',
  );
});

test("Kafka's list syntax: blanks around ',' and ':' are read as Kafka reads them (the compose-file protocol map)", () => {
  const cmd = parseCommand([
    'register',
    '--zookeeper',
    'z:1',
    '--broker-id',
    '1',
    '--listeners',
    ' PLAINTEXT://kafka:29092, PLAINTEXT_HOST://localhost:9092 ',
    '--listener-security-protocol-map',
    'PLAINTEXT:PLAINTEXT, PLAINTEXT_HOST:PLAINTEXT',
    '--confirm-bootstrap',
    'k1:9092 , k2:9092',
  ]);
  assert.ok(cmd.kind === 'register');
  assert.deepEqual(cmd.config.listeners, [
    { name: 'PLAINTEXT', host: 'kafka', port: 29092, securityProtocol: 'PLAINTEXT' },
    { name: 'PLAINTEXT_HOST', host: 'localhost', port: 9092, securityProtocol: 'PLAINTEXT' },
  ]);
  assert.deepEqual(cmd.config.confirm?.kafka?.brokers, ['k1:9092', 'k2:9092']);
  assert.doesNotThrow(() => new BrokerRegistrar(cmd.config));
  assert.deepEqual(
    [...parseCsvMap(' A : SSL ,B:PLAINTEXT,', 'm')],
    [
      ['A', 'SSL'],
      ['B', 'PLAINTEXT'],
    ],
  );
  assert.throws(
    () => parseCsvMap('A:SSL, B', '--listener-security-protocol-map'),
    (e: unknown) => e instanceof InvalidConfigError && e.value === 'B',
  );
});

test("CLI conventions: --version, help per command, and each command refuses the other's options", () => {
  assert.equal(parseCommand(['--version']).kind, 'version');
  assert.deepEqual(parseCommand(['register', '--help']), { kind: 'help', command: 'register' });
  assert.deepEqual(parseCommand(['audit', '-h']), { kind: 'help', command: 'audit' });
  assert.deepEqual(parseCommand(['help', 'audit']), { kind: 'help', command: 'audit' });
  // audit used to accept (and ignore) register's options: now each is refused by name...
  for (const opt of [['--broker-id', '1'], ['--listeners', 'PLAINTEXT://h:1'], ['--session-timeout-ms', '6000'], ['--controller']]) {
    assert.throws(
      () => parseCommand(['audit', '--zookeeper', 'z:1', ...opt]),
      (e: unknown) => e instanceof InvalidConfigError && e.field === opt[0] && /only for register/.test(e.message),
      opt.join(' '),
    );
  }
  // ...while --connect-timeout-ms is audit's too, and reaches it.
  const audit = parseCommand(['audit', '--zookeeper', 'z:1', '--connect-timeout-ms', '2500']);
  assert.ok(audit.kind === 'audit' && audit.connectTimeoutMs === 2500);
  assert.throws(
    () => parseCommand(['register', '--zookeeper', 'z:1', '--broker-id', '1', '--listeners', 'PLAINTEXT://h:1', '--bootstrap', 'k:1']),
    /only for audit/,
  );
});

test('--broker-id -1 says why it cannot be (Kafka generates such ids; a registrar cannot)', () => {
  const cmd = parseCommand(['register', '--zookeeper', 'z:1', '--broker-id', '-1', '--listeners', 'PLAINTEXT://h:1']);
  assert.throws(
    () => new BrokerRegistrar((cmd as { config: ConstructorParameters<typeof BrokerRegistrar>[0] }).config),
    /-1 asks a Kafka broker to generate its id/,
  );
});

test('--cluster-id reaches the config: a sidecar can refuse a mistyped chroot too', () => {
  const cmd = parseCommand([
    'register',
    '--zookeeper',
    'z:1/kafak',
    '--broker-id',
    '1',
    '--listeners',
    'PLAINTEXT://h:1',
    '--cluster-id',
    'vuwt07fMRguqN39ptO7dNg',
  ]);
  assert.ok(cmd.kind === 'register' && cmd.config.clusterId === 'vuwt07fMRguqN39ptO7dNg');
  assert.equal(optionFor('clusterId'), '--cluster-id');
});

test('deeper errors name the CLI flag, never a library option key (listener mismatch, candidacy refusal, ACLs, migration)', () => {
  const shared = cliMessage(new ListenerMismatchError(1, ['PLAINTEXT'], ['CLIENT'], [0]));
  assert.match(
    shared,
    /name it with --inter-broker-listener-name \(Kafka's inter\.broker\.listener\.name\), or give --confirm-bootstrap so/,
  );
  assert.match(
    shared,
    /which every registered broker \(broker 0\) has\. Kafka's controller cannot add a broker without it: it would stall/,
  );
  assert.doesNotMatch(shared, /interBrokerListener|\(0\)|give confirm /);
  const named = cliMessage(new ListenerMismatchError(1, ['REPLICATION'], ['CLIENT'], 'interBrokerListener'));
  assert.match(named, /which --inter-broker-listener-name or --control-plane-listener-name names/);
  assert.doesNotMatch(named, /interBrokerListener|controlPlaneListener/);
  const refused = cliMessage(new ControllerCandidacyRefusedError(1, [2, 3]));
  assert.match(refused, /brokers 2, 3 are registered .*\(--controller-beside-other-brokers overrides this\)/);
  assert.doesNotMatch(refused, /besideOtherBrokers/);
  assert.match(cliMessage(new MigrationInProgressError(1, 'migrated', 3000)), /\(--kraft-migration register overrides\)/);
  // The library keeps its own names.
  assert.match(
    new ControllerCandidacyRefusedError(1, [2]).message,
    /broker 2 is registered .*\(controller\.besideOtherBrokers: true overrides this\)/,
  );
  assert.match(new ListenerMismatchError(1, ['PLAINTEXT'], ['CLIENT'], [0]).message, /name it with interBrokerListener/);
  // --zookeeper-set-acl without credentials: the reason names the flags that give them.
  const cmd = parseCommand(['register', '--zookeeper', 'z:1', '--broker-id', '1', '--listeners', 'PLAINTEXT://h:1', '--zookeeper-set-acl']);
  assert.throws(
    () => new BrokerRegistrar((cmd as { config: ConstructorParameters<typeof BrokerRegistrar>[0] }).config),
    (e: unknown) => {
      const text = cliMessage(e);
      assert.match(text, /^invalid --zookeeper-set-acl: true \(needs --zookeeper-auth-file or --zookeeper-auth-env with the digest scheme/);
      assert.doesNotMatch(text, /zookeeper\.auth/);
      return true;
    },
  );
});

test('listener problems quote the listener as typed, whole, and say which part is wrong', () => {
  const reg = ['register', '--zookeeper', 'z:1', '--broker-id', '1'];
  const cases: [string, RegExp][] = [
    ['SSL://h:0', /^invalid --listeners: "SSL:\/\/h:0" \(port 0: expected an integer in 1\.\.65535\)$/],
    ['SSL://h:99999999999999999999', /^invalid --listeners: "SSL:\/\/h:99999999999999999999" \(port 99999999999999999999: expected/],
    [
      'SSL://127.0.0.1:9092:1',
      /^invalid --listeners: "SSL:\/\/127\.0\.0\.1:9092:1" \(host "127\.0\.0\.1:9092": expected a host name or IP address, without a port/,
    ],
    [
      'SSL://0.0.0.0:9092',
      /^invalid --listeners: "SSL:\/\/0\.0\.0\.0:9092" \(host "0\.0\.0\.0": a wildcard address cannot be advertised\)$/,
    ],
    ['plaintext://b:2', /^invalid --listeners: "plaintext:\/\/b:2" \(listener name "PLAINTEXT": listener names must be unique\)$/],
  ];
  for (const [listener, message] of cases) {
    assert.throws(
      () => parseCommand([...reg, '--listeners', `PLAINTEXT://ok:1,${listener}`]),
      (e: unknown) => {
        assert.ok(e instanceof InvalidConfigError && e.field === '--listeners' && e.value === listener, String(e));
        assert.match(cliMessage(e), message);
        return true;
      },
    );
  }
  // A listener whose protocol the map lacks is the map's problem, and names the listener as typed.
  assert.throws(
    () => parseCommand([...reg, '--listeners', 'INTERNAL://h:9092', '--listener-security-protocol-map', 'EXTERNAL:SSL']),
    /^InvalidConfigError: invalid --listener-security-protocol-map: "EXTERNAL:SSL" \(listener INTERNAL of --listeners "INTERNAL:\/\/h:9092" is not a security protocol name, so the map must give its protocol, e.g\. INTERNAL:SSL\)$/,
  );
});

test('a name repeated in a Kafka-style map is refused, naming the flag and the name', () => {
  assert.throws(
    () =>
      parseCommand([
        'register',
        '--zookeeper',
        'z:1',
        '--broker-id',
        '1',
        '--listeners',
        'INTERNAL://h:9092',
        '--listener-security-protocol-map',
        'INTERNAL:SSL, EXTERNAL:SSL, internal : PLAINTEXT',
      ]),
    (e: unknown) => {
      assert.ok(e instanceof InvalidConfigError && e.field === '--listener-security-protocol-map', String(e));
      assert.match(
        cliMessage(e),
        /^invalid --listener-security-protocol-map: "INTERNAL:SSL, EXTERNAL:SSL, internal : PLAINTEXT" \(internal is given more than once \("INTERNAL:SSL" and "internal : PLAINTEXT"\)/,
      );
      return true;
    },
  );
  assert.throws(() => parseCsvMap('A:SSL,A:SSL', '--m'), /A is given more than once/);
});

test("listeners without a port are refused and without a host stand for this machine's canonical name, as Kafka reads them", () => {
  const reg = ['register', '--zookeeper', 'z:1', '--broker-id', '1'];
  for (const listener of ['PLAINTEXT://host:', 'PLAINTEXT://host', 'PLAINTEXT://[::1]:']) {
    assert.throws(
      () => parseCommand([...reg, '--listeners', listener]),
      (e: unknown) => {
        assert.ok(e instanceof InvalidConfigError && e.field === '--listeners' && e.value === listener, String(e));
        assert.match(cliMessage(e), /\(no port: Kafka reads NAME:\/\/host:port, where only the host may be left empty/);
        return true;
      },
    );
  }
  // Kafka (KafkaServer.createBrokerInfo) registers an empty host as InetAddress.getLocalHost().getCanonicalHostName().
  const cmd = parseCommand([...reg, '--listeners', 'PLAINTEXT://:9092,SSL://b1:9093'], { localHostName: 'broker-1.example.com' });
  assert.ok(cmd.kind === 'register');
  assert.deepEqual(cmd.config.listeners, [
    { name: 'PLAINTEXT', host: 'broker-1.example.com', port: 9092 },
    { name: 'SSL', host: 'b1', port: 9093 },
  ]);
  assert.doesNotThrow(() => new BrokerRegistrar(cmd.config));
  assert.equal(needsLocalHostName([...reg, '--listeners', 'SSL://b1:1, PLAINTEXT://:9092']), true);
  assert.equal(needsLocalHostName([...reg, '--listeners=PLAINTEXT://:9092']), true);
  assert.equal(needsLocalHostName([...reg, '--listeners', 'PLAINTEXT://b1:9092']), false);
});

test('confirmation settings without --confirm-bootstrap are refused, not ignored', () => {
  for (const flag of ['--confirm-timeout-ms', '--recheck-interval-ms']) {
    assert.throws(
      () => parseCommand(['register', '--zookeeper', 'z:1', '--broker-id', '1', '--listeners', 'PLAINTEXT://h:9092', flag, '1000']),
      (e: unknown) => e instanceof InvalidConfigError && e.field === flag && /give --confirm-bootstrap too/.test(cliMessage(e)),
    );
  }
  const ok = parseCommand([
    'register',
    '--zookeeper',
    'z:1',
    '--broker-id',
    '1',
    '--listeners',
    'PLAINTEXT://h:9092',
    '--confirm-bootstrap',
    'h:9092',
    '--confirm-timeout-ms',
    '1000',
  ]);
  assert.equal(ok.kind, 'register');
});
