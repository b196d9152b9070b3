// The one-broker Kafka requests the audit makes (src/kafka-protocol/): what a broker answers is read,
// and what it should not answer (garbage, a close, an error code, silence) is a rejection saying so,
// never a throw from a socket handler or a promise left pending. Plain net servers play the broker
// (fault injection); the real answers are read against real Kafka in cluster-safety and kafka-real.
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { after, test } from 'node:test';
import { probeBrokerConfigs } from '../src/kafka-protocol/describe-configs-probe.js';
import { frame, Writer } from '../src/kafka-protocol/wire.js';

const servers: Server[] = [];
after(async () => {
  for (const s of servers) await new Promise<void>((r) => s.close(() => r()));
});

/** A "broker" that answers the first request with `answer(request)` (undefined: says nothing). */
async function broker(answer: (sock: Socket) => void): Promise<string> {
  const srv = createServer((sock) => {
    sock.on('error', () => undefined);
    sock.once('data', () => answer(sock));
  });
  servers.push(srv);
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return `127.0.0.1:${(srv.address() as { port: number }).port}`;
}

/** A DescribeConfigs v0 response for broker 1 with `error` and `configs`. */
function response(error: number, configs: [string, string | null, boolean][]): Buffer {
  return frame(
    new Writer()
      .int32(1) // correlation id
      .int32(0) // throttle
      .array([0], (w) =>
        w
          .int16(error)
          .nullableString(error === 0 ? null : 'Cluster authorization failed.')
          .int8(4)
          .string('1')
          .array(configs, (c, [name, value, isDefault]) => c.string(name).nullableString(value).bool(false).bool(isDefault).bool(false)),
      )
      .toBuffer(),
  );
}

test('DescribeConfigs: the answer is read; an unset config is null', async () => {
  const at = await broker((s) =>
    s.end(
      response(0, [
        ['inter.broker.listener.name', null, true],
        ['security.inter.broker.protocol', 'PLAINTEXT', true],
      ]),
    ),
  );
  const got = await probeBrokerConfigs(at, 1, ['inter.broker.listener.name', 'security.inter.broker.protocol'], 2000);
  assert.deepEqual(Object.fromEntries(got), { 'inter.broker.listener.name': null, 'security.inter.broker.protocol': 'PLAINTEXT' });
});

test('DescribeConfigs: an error code, garbage, a close, silence: each a rejection that says which', async () => {
  const cases: [string, (s: Socket) => void, RegExp][] = [
    [
      'the broker refuses',
      (s) => s.end(response(31, [])),
      /DescribeConfigs of broker 1 failed: CLUSTER_AUTHORIZATION_FAILED \(31\): Cluster authorization failed\./,
    ],
    ['a truncated answer', (s) => s.end(frame(Buffer.from([0, 0, 0, 1, 0, 0]))), /malformed DescribeConfigs answer \(truncated/],
    [
      'an array length past the frame',
      (s) => s.end(frame(new Writer().int32(1).int32(0).int32(1e6).toBuffer())),
      /malformed DescribeConfigs answer \(bad array length/,
    ],
    ['a negative frame length', (s) => s.end(Buffer.from([0xff, 0xff, 0xff, 0xfe])), /frame|length/i],
    ['a close before answering', (s) => s.destroy(), /closed the connection before answering DescribeConfigs/],
    ['no answer', () => undefined, /no DescribeConfigs answer from .* within 300 ms/],
  ];
  for (const [what, answer, expected] of cases) {
    const at = await broker(answer);
    await assert.rejects(probeBrokerConfigs(at, 1, ['inter.broker.listener.name'], 300), expected, what);
  }
  // Nobody listening: the socket's code kept for the report.
  await assert.rejects(probeBrokerConfigs('127.0.0.1:1', 1, [], 2000), (e: NodeJS.ErrnoException) => e.code === 'ECONNREFUSED');
});
