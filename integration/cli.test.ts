// The sidecar CLI as users run it (dist/cli/main.js), against a real ZooKeeper: JSON event lines,
// deregistration on SIGTERM (sent by pid to the process this test started), audit output.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { useZooKeeper } from './harness/fixture.js';
import { openSession } from './harness/sessions.js';
import { freePort } from './harness/zookeeper-server.js';
import { runCli, startCli, type CliRun } from './harness/cli-run.js';
import { brokerNodeData } from './harness/stale-node.js';

const zk = useZooKeeper();

const run = (args: string[]): CliRun => startCli(args, zk);

describe('kafka-zk-registrar CLI', () => {
  test('register prints JSON events, keeps the node, and deregisters on SIGTERM', async () => {
    const connect = zk.chroot();
    const cli = run([
      'register',
      '--zookeeper',
      connect,
      '--broker-id',
      '7',
      '--listeners',
      'PLAINTEXT://127.0.0.1:9092',
      '--controller',
      '--performs-controller-duties',
      '--session-timeout-ms',
      '4000',
    ]);
    // A chroot no broker has started in (no /cluster/id, nothing registered) is said, not silently joined.
    const empty = await cli.next('emptyCluster', 20_000);
    assert.equal(empty.reason, 'no-chroot');
    const reg = await cli.next('registered', 20_000);
    assert.equal(reg.brokerId, 7);
    await cli.next('elected', 10_000);
    const obs = await zk.observer(connect);
    const stat = await obs.exists('/brokers/ids/7');
    assert.equal(stat?.ephemeralOwner, reg.sessionId);
    assert.equal(stat?.czxid, reg.brokerEpoch);

    // Audit flags the cluster as empty (no /cluster/id), until a Kafka broker has written one.
    assert.equal(await run(['audit', '--zookeeper', connect]).exit(), 1);
    await obs.createParents('/cluster/id');
    await obs.create('/cluster/id', Buffer.from('{"version":"1","id":"kzr-cli-test-cluster0"}'), 'persistent');
    const audit = run(['audit', '--zookeeper', connect]);
    assert.equal(await audit.exit(), 0);

    process.kill(cli.child.pid as number, 'SIGTERM');
    await cli.next('resigned', 10_000);
    const stopped = await cli.next('stopped', 10_000);
    assert.equal(stopped.state, 'stopped');
    assert.equal(await cli.exit(), 0);
    assert.equal(await obs.exists('/brokers/ids/7'), null);
    assert.equal(await obs.exists('/controller'), null);
  });

  test('audit reports registrations, owners, garbage and the controller without changing anything', async () => {
    const connect = zk.chroot();
    const obs = await zk.observer(connect);
    await obs.createParents('/brokers/ids/x');
    await obs.create(
      '/brokers/ids/1',
      Buffer.from('{"version":4,"jmx_port":-1,"endpoints":["PLAINTEXT://h:9092"],"host":"h","port":9092}'),
      'ephemeral',
    );
    await obs.create('/brokers/ids/2', Buffer.from('garbage'), 'ephemeral');
    await obs.create('/controller_epoch', Buffer.from('3'), 'persistent');
    const { code, out, err } = await runCli(['audit', '--zookeeper', connect, '--json']);
    assert.equal(code, 1, 'operators use audit as a check: a problem found is a non-zero exit');
    assert.match(err, /broker 2: ZNODE_FORMAT/);
    const report = JSON.parse(out) as {
      brokers: { brokerId: number; ownerSessionId: string; problem?: string; registration?: { endpoints: unknown[] } }[];
      controller?: unknown;
      controllerEpoch: { epoch: number };
      problems: { code: string; message: string }[];
    };
    // Each problem: a stable code for machines, and the sentence.
    assert.deepEqual(
      report.problems.map((p) => p.code),
      ['BROKER_ZNODE', 'NOT_A_KAFKA_CLUSTER', 'NO_CONTROLLER'],
      JSON.stringify(report.problems),
    );
    assert.match(report.problems[0]?.message ?? '', /^broker 2: ZNODE_FORMAT/);
    assert.match(report.problems[1]?.message ?? '', /empty or not a Kafka cluster: no \/cluster\/id/);
    assert.match(report.problems[2]?.message ?? '', /no controller/);
    assert.equal(report.brokers.length, 2);
    assert.equal(report.brokers[0]?.ownerSessionId, obs.id);
    assert.equal(report.brokers[0]?.registration?.endpoints.length, 1);
    assert.match(report.brokers[1]?.problem ?? '', /ZNODE_FORMAT/);
    assert.equal(report.controller, undefined);
    assert.equal(report.controllerEpoch.epoch, 3);
    assert.equal((await obs.get('/brokers/ids/2')).data.toString(), 'garbage');

    // For people: the same findings as a table, and the same exit code.
    const human = await runCli(['audit', '--zookeeper', connect]);
    assert.equal(human.code, 1);
    const lines = human.out.split('\n');
    assert.match(lines[0] ?? '', /^ID +ENDPOINTS +RACK +OWNER +EPOCH +AGE +FORMAT +ACL +PROBLEM$/);
    assert.match(lines[1] ?? '', new RegExp(`^1 +PLAINTEXT://h:9092 +- +0x${obs.id} +\\d+ +\\d+s +v4 +world:anyone=cdrwa$`));
    assert.match(lines[2] ?? '', new RegExp(`^2 +\\? +- +0x${obs.id} +\\d+ +\\d+s +\\? +world:anyone=cdrwa +ZNODE_FORMAT: `));
    assert.match(human.out, /\ncontroller: none; epoch 3 \(zkVersion 0\)\n/);
    assert.match(human.out, /\n3 problems:\n {2}- broker 2: ZNODE_FORMAT/);
  });

  test('audit flags what Kafka misreads: a broker id child not named as Kafka names it, a /controller of an unregistered broker', async () => {
    const connect = zk.chroot();
    const obs = await zk.observer(connect);
    await obs.createParents('/brokers/ids/x');
    await obs.createParents('/cluster/id');
    await obs.create('/cluster/id', Buffer.from('{"version":"1","id":"kzr-cli-audit-misread"}'), 'persistent');
    await obs.create('/brokers/ids/1', brokerNodeData(1), 'ephemeral');
    await obs.create('/brokers/ids/0001', brokerNodeData(1), 'ephemeral'); // Kafka reads it as broker 1
    await obs.create('/controller', Buffer.from('{"version":2,"brokerid":99,"timestamp":"1","kraftControllerEpoch":-1}'), 'ephemeral');
    const { code, out } = await runCli(['audit', '--zookeeper', connect, '--json']);
    assert.equal(code, 1);
    const report = JSON.parse(out) as { brokers: { brokerId: number | string }[]; problems: { code: string; message: string }[] };
    assert.deepEqual(report.brokers.map((b) => b.brokerId).sort(), ['0001', 1].sort());
    assert.deepEqual(
      report.problems.map((p) => p.code),
      ['BROKER_ZNODE', 'STALE_CONTROLLER'],
      JSON.stringify(report.problems),
    );
    assert.match(report.problems[0]?.message ?? '', /child name "0001" is not the name Kafka gives a broker id/);
    assert.match(report.problems[1]?.message ?? '', /holds it for broker 99, which is not registered/);
  });

  test('audit never writes: a chroot that does not exist is an error, and is not created', async () => {
    const connect = `${zk.chroot()}/nothing/here`;
    const { code, out, err } = await runCli(['audit', '--zookeeper', connect]);
    assert.equal(code, 1);
    assert.equal(out, '');
    assert.match(err, /chroot \/kzr-[^ ]*\/nothing\/here does not exist/);
    const root = await openSession(zk.server.connectString);
    try {
      const top = connect.slice(connect.indexOf('/'), connect.indexOf('/nothing'));
      assert.equal(await root.exists(top), null, `audit created nothing (not even ${top})`);
    } finally {
      root.close();
    }
  });

  test('a signal relayed twice (a wrapper and its process group) is one stop; stdout closed by its reader does not end the sidecar', async () => {
    for (const fault of ['relayed signal', 'stdout closed', 'stdout and stderr closed, DEBUG set'] as const) {
      const connect = zk.chroot();
      const args = ['register', '--zookeeper', connect, '--broker-id', '8', '--listeners', 'PLAINTEXT://127.0.0.1:9092'];
      const cli = fault.includes('DEBUG') ? startCli(args, zk, { DEBUG: 'kafka-zk-registrar:*' }) : run(args);
      await cli.next('registered', 20_000);
      const obs = await zk.observer(connect);
      assert.notEqual(await obs.exists('/brokers/ids/8'), null);
      if (fault !== 'relayed signal') cli.child.stdout?.destroy(); // its next line meets EPIPE
      if (fault.includes('stderr')) cli.child.stderr?.destroy(); // and its next log line
      process.kill(cli.child.pid as number, 'SIGTERM');
      if (fault === 'relayed signal') {
        // The same signal again once the first is being handled (two signals sent at once may merge into one).
        await cli.next('stopping', 5000);
        process.kill(cli.child.pid as number, 'SIGTERM');
      }
      assert.equal(await cli.exit(), 0, `${fault}: exit code (stderr: ${cli.stderr()})`);
      assert.equal(await obs.exists('/brokers/ids/8'), null, `${fault}: our node deleted`);
      if (fault === 'relayed signal') {
        assert.deepEqual(
          cli.printed.map((l) => l.event).filter((e) => e === 'stopping' || e === 'forcedExit' || e === 'stopped'),
          ['stopping', 'stopped'],
        );
      }
    }
  });

  test('SIGTERM stops register promptly while it waits out another owner', async () => {
    const connect = zk.chroot();
    const holder = await zk.observer(connect);
    await holder.createParents('/brokers/ids/8');
    await holder.create('/brokers/ids/8', brokerNodeData(8), 'ephemeral');
    const cli = run([
      'register',
      '--zookeeper',
      connect,
      '--broker-id',
      '8',
      '--listeners',
      'PLAINTEXT://127.0.0.1:9092',
      '--conflict-timeout-ms',
      '500',
      '--conflict-policy',
      'wait',
      '--session-timeout-ms',
      '4000',
    ]);
    await cli.next('waiting', 20_000);
    await cli.next('conflict', 10_000);
    process.kill(cli.child.pid as number, 'SIGTERM');
    await cli.next('stopping', 5000);
    assert.equal((await cli.next('stopped', 5000)).state, 'stopped');
    assert.equal(await cli.exit(), 0);
    assert.equal((await holder.exists('/brokers/ids/8'))?.ephemeralOwner, holder.id, "the other owner's node is untouched");
  });

  test('connecting to a ZooKeeper that refuses: says what each attempt hits, then why it gave up', async () => {
    const port = await freePort(); // nothing listens there
    const { code, out } = await runCli([
      'register',
      '--zookeeper',
      `127.0.0.1:${port}`,
      '--broker-id',
      '11',
      '--listeners',
      'PLAINTEXT://127.0.0.1:9092',
      '--connect-timeout-ms',
      '2500',
    ]);
    assert.equal(code, 1);
    const lines = out
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const attempt = lines.find((l) => l.event === 'zookeeperUnreachable');
    assert.equal(attempt?.code, 'ECONNREFUSED', out);
    assert.equal(attempt?.host, `127.0.0.1:${port}`);
    const failed = lines.find((l) => l.event === 'startFailed');
    assert.equal(failed?.code, 'CONNECT_TIMEOUT', out);
    assert.match(String(failed?.message), /last attempt: .*ECONNREFUSED/);
    assert.ok(
      lines.indexOf(attempt as Record<string, unknown>) < lines.indexOf(failed as Record<string, unknown>),
      'said while connecting, not only at the end',
    );
    assert.equal(lines.at(-1)?.event, 'stopped', '`stopped` is the last line, after a failed start too');
    assert.equal(lines.at(-1)?.deregistered, false);
    assert.equal(lines.at(-1)?.verified, false, 'a registrar that never connected verified nothing');
  });

  test('audit out of reach says what the last attempt hit (ZooKeeper and Kafka); --json still prints one JSON object', async () => {
    const port = await freePort(); // nothing listens there
    const refused = await runCli(['audit', '--zookeeper', `127.0.0.1:${port}`, '--connect-timeout-ms', '1500', '--json']);
    assert.equal(refused.code, 1);
    const { error } = JSON.parse(refused.out) as { error: { code: string; message: string; cause?: { code?: string } } };
    assert.equal(error.code, 'AUDIT_FAILED');
    assert.match(error.message, new RegExp(`within 1500 ms \\(last attempt: .*ECONNREFUSED 127\\.0\\.0\\.1:${port}\\)`));
    assert.equal(error.cause?.code, 'ECONNREFUSED');
    assert.match(refused.err, /ECONNREFUSED/);
    const unresolvable = await runCli(['audit', '--zookeeper', 'kzr-no-such-host.invalid:2181', '--connect-timeout-ms', '1500']);
    assert.equal(unresolvable.code, 1);
    assert.equal(unresolvable.out, '');
    assert.match(unresolvable.err, /\(last attempt: kzr-no-such-host\.invalid:2181: .*(ENOTFOUND|EAI_AGAIN)/);
    // ZooKeeper answers, Kafka does not: the problem names the address and what it hit, with its code.
    const kafka = await freePort();
    const noKafka = await runCli([
      'audit',
      '--zookeeper',
      zk.chroot().replace(/\/[^/]*$/, ''),
      '--bootstrap',
      `127.0.0.1:${kafka}`,
      '--json',
    ]);
    assert.equal(noKafka.code, 1);
    const report = JSON.parse(noKafka.out) as {
      metadata: { unreachable: { source: string; code?: string }[] };
      problems: { code: string; message: string }[];
    };
    assert.deepEqual(
      report.metadata.unreachable.map((u) => [u.source, u.code]),
      [[`127.0.0.1:${kafka}`, 'ECONNREFUSED']],
    );
    assert.match(
      report.problems.find((p) => p.code === 'METADATA_UNREACHABLE')?.message ?? '',
      new RegExp(`127\\.0\\.0\\.1:${kafka}: connect ECONNREFUSED`),
    );
  });

  test('JSON lines keep nested errors whole (unconfirmed.error has its code and message)', async () => {
    const port = await freePort(); // no Kafka there
    const cli = run([
      'register',
      '--zookeeper',
      zk.chroot(),
      '--broker-id',
      '10',
      '--listeners',
      'PLAINTEXT://127.0.0.1:9092',
      '--confirm-bootstrap',
      `127.0.0.1:${port}`,
      '--confirm-timeout-ms',
      '500',
    ]);
    const u = await cli.next('unconfirmed', 20_000);
    assert.equal(u.reason, 'unreachable');
    const error = u.error as { code?: string; message?: string };
    assert.equal(error.code, 'CLUSTER_UNREACHABLE');
    assert.match(error.message ?? '', /could not be asked/);
    process.kill(cli.child.pid as number, 'SIGTERM');
    await cli.next('stopped', 10_000);
    assert.equal(await cli.exit(), 0);
  });

  test('SIGTERM stops register promptly while ZooKeeper cannot be reached', async () => {
    const port = await freePort(); // nothing listens
    const cli = run(['register', '--zookeeper', `127.0.0.1:${port}`, '--broker-id', '9', '--listeners', 'PLAINTEXT://127.0.0.1:9092']);
    await cli.next('starting', 10_000);
    process.kill(cli.child.pid as number, 'SIGTERM');
    await cli.next('stopped', 5000);
    assert.equal(await cli.exit(), 0);
  });

  test('errors from deeper down name flags too: the listener pre-flight and the controller candidacy', async () => {
    const connect = zk.chroot();
    const obs = await zk.observer(connect);
    await obs.createParents('/brokers/ids/0');
    await obs.create('/brokers/ids/0', brokerNodeData(0), 'ephemeral'); // a broker with a PLAINTEXT listener
    const startFailed = (out: string): Record<string, unknown> | undefined =>
      out
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .find((l) => l.event === 'startFailed');
    const mismatch = await runCli([
      'register',
      '--zookeeper',
      connect,
      '--broker-id',
      '21',
      '--listeners',
      'CLIENT://127.0.0.1:9092',
      '--listener-security-protocol-map',
      'CLIENT:PLAINTEXT',
    ]);
    assert.equal(mismatch.code, 1);
    const m = startFailed(mismatch.out);
    assert.equal(m?.code, 'LISTENER_MISMATCH', mismatch.out);
    assert.match(
      String(m?.message),
      /every registered broker \(broker 0\) has.*name it with --inter-broker-listener-name .*or give --confirm-bootstrap/,
    );
    assert.doesNotMatch(String(m?.message), /interBrokerListener|\(0\)/);
    const candidate = await runCli([
      'register',
      '--zookeeper',
      connect,
      '--broker-id',
      '22',
      '--listeners',
      'PLAINTEXT://127.0.0.1:9093',
      '--controller',
      '--performs-controller-duties',
    ]);
    assert.equal(candidate.code, 1);
    const c = startFailed(candidate.out);
    assert.equal(c?.code, 'CONTROLLER_CANDIDACY_REFUSED', candidate.out);
    assert.match(String(c?.message), /\(--controller-beside-other-brokers overrides this\)/);
    assert.doesNotMatch(String(c?.message), /besideOtherBrokers/);
    // The last line's status says the same, in flags too.
    for (const run of [mismatch, candidate]) {
      const stopped = run.out
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as { event: string; lastError?: { message: string } })
        .find((l) => l.event === 'stopped');
      assert.match(String(stopped?.lastError?.message), /--inter-broker-listener-name|--controller-beside-other-brokers/, run.out);
      assert.doesNotMatch(String(stopped?.lastError?.message), /interBrokerListener|besideOtherBrokers/);
    }
  });

  test('bad arguments: exit code 2 and a message naming the option', async () => {
    const bad = await runCli(['register', '--zookeeper', 'localhost:0', '--broker-id', '1', '--listeners', 'PLAINTEXT://h:1']);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /invalid --zookeeper: "localhost:0"/);
    // A field the library validates is named as the option the user typed, not as the config field.
    const port0 = await runCli(['register', '--zookeeper', '127.0.0.1:2181', '--broker-id', '1', '--listeners', 'PLAINTEXT://h:0']);
    assert.equal(port0.code, 2);
    assert.match(port0.err, /invalid --listeners: "PLAINTEXT:\/\/h:0" \(port 0: /, 'the listener as typed, whole');
    // No command at all is a usage error too.
    assert.equal((await runCli([])).code, 2);
    // A mistyped option is called unknown, with the flag it is close to; --version takes nothing.
    const typo = await runCli(['register', '--zookeper', '127.0.0.1:2181']);
    assert.equal(typo.code, 2);
    assert.match(typo.err, /^kafka-zk-registrar: unknown option --zookeper \(did you mean --zookeeper\?\)\n/);
    const version = await runCli(['--version', '--bogus']);
    assert.equal(version.code, 2);
    assert.equal(version.out, '', 'no version printed');
  });
});
