import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeBrokerZNode, encodeBrokerZNode, listenersToEndpoints, ZNodeFormatError } from '../src/index.js';

const endpoints = listenersToEndpoints([
  { name: 'sasl_in', host: 'b1.example', port: 9093, securityProtocol: 'sasl_ssl' },
  { name: 'PLAINTEXT', host: '10.0.0.1', port: 9092 },
  { name: 'REPL', host: 'fe80::1%eth0', port: 9094, securityProtocol: 'PLAINTEXT' },
]);

describe('encodeBrokerZNode', () => {
  test('writes every field Kafka writes, with Kafka types, compact JSON', () => {
    const buf = encodeBrokerZNode({ brokerId: 7, endpoints, jmxPort: -1, version: 5, rack: 'r1' }, 1700000000123);
    const text = buf.toString('utf8');
    assert.equal(text.includes(' '), false, 'compact, like Jackson');
    const j = JSON.parse(text) as Record<string, unknown>;
    assert.equal(j.version, 5);
    // top-level host/port come from the first endpoint whose *protocol* is PLAINTEXT
    assert.equal(j.host, '10.0.0.1');
    assert.equal(j.port, 9092);
    assert.deepEqual(j.endpoints, ['SASL_IN://b1.example:9093', 'PLAINTEXT://10.0.0.1:9092', 'REPL://[fe80::1%eth0]:9094']);
    assert.deepEqual(j.listener_security_protocol_map, { SASL_IN: 'SASL_SSL', PLAINTEXT: 'PLAINTEXT', REPL: 'PLAINTEXT' });
    assert.equal(j.jmx_port, -1);
    assert.equal(j.timestamp, '1700000000123');
    assert.equal(j.rack, 'r1');
    assert.deepEqual(j.features, {});
  });

  test('v4: no features; no rack key when unset; no PLAINTEXT listener gives host null, port -1', () => {
    const ssl = listenersToEndpoints([{ name: 'SSL', host: 'h', port: 1 }]);
    const j = JSON.parse(encodeBrokerZNode({ brokerId: 1, endpoints: ssl, jmxPort: 5555, version: 4 }, 1).toString()) as Record<
      string,
      unknown
    >;
    assert.equal(j.version, 4);
    assert.equal('features' in j, false);
    assert.equal('rack' in j, false);
    assert.equal(j.host, null);
    assert.equal(j.port, -1);
    assert.equal(j.jmx_port, 5555);
  });

  test('round-trips through the decoder', () => {
    const buf = encodeBrokerZNode(
      { brokerId: 7, endpoints, jmxPort: 9999, version: 5, rack: 'r1', features: { f: { min_version: 1, max_version: 3 } } },
      42,
    );
    const d = decodeBrokerZNode(7, buf);
    assert.deepEqual(d.endpoints, endpoints);
    assert.equal(d.rack, 'r1');
    assert.equal(d.jmxPort, 9999);
    assert.equal(d.timestamp, '42');
    assert.deepEqual(d.features, { f: { min_version: 1, max_version: 3 } });
  });
});

describe('decodeBrokerZNode (Kafka rules)', () => {
  test('decodes a real Kafka 2.x v4 registration', () => {
    const real =
      '{"listener_security_protocol_map":{"PLAINTEXT":"PLAINTEXT"},"endpoints":["PLAINTEXT://10.9.167.48:9092"],"jmx_port":9999,"host":"10.9.167.48","timestamp":"1543300074836","port":9092,"version":4}';
    const d = decodeBrokerZNode(1, Buffer.from(real));
    assert.deepEqual(d.endpoints, [{ listenerName: 'PLAINTEXT', host: '10.9.167.48', port: 9092, securityProtocol: 'PLAINTEXT' }]);
  });

  test('v1: host and port only', () => {
    const d = decodeBrokerZNode(1, Buffer.from('{"version":1,"host":"h","port":9092,"jmx_port":-1}'));
    assert.deepEqual(d.endpoints, [{ listenerName: 'PLAINTEXT', host: 'h', port: 9092, securityProtocol: 'PLAINTEXT' }]);
  });

  test('v2 without a protocol map: listener names are protocols; empty host is null', () => {
    const d = decodeBrokerZNode(1, Buffer.from('{"version":2,"jmx_port":-1,"endpoints":["SSL://:9093"]}'));
    assert.deepEqual(d.endpoints, [{ listenerName: 'SSL', host: null, port: 9093, securityProtocol: 'SSL' }]);
  });

  for (const [name, text] of [
    ['not JSON', '{"version":'],
    ['a JSON array', '[1,2]'],
    ['version 0', '{"version":0,"jmx_port":-1}'],
    ['no jmx_port', '{"version":4,"endpoints":[]}'],
    ['endpoints not strings', '{"version":4,"jmx_port":-1,"endpoints":[1]}'],
    ['bad endpoint', '{"version":4,"jmx_port":-1,"endpoints":["nonsense"]}'],
    ['unknown protocol', '{"version":4,"jmx_port":-1,"endpoints":["X://h:1"],"listener_security_protocol_map":{"X":"TLS"}}'],
    ['listener without protocol', '{"version":4,"jmx_port":-1,"endpoints":["INTERNAL://h:1"]}'],
    ['bad features', '{"version":5,"jmx_port":-1,"endpoints":[],"features":{"f":{"min_version":"1"}}}'],
    ['binary garbage', '\u0000\u00ff\u0001'],
  ] as const) {
    test(`garbage (${name}) gives ZNodeFormatError naming the path`, () => {
      assert.throws(
        () => decodeBrokerZNode(3, Buffer.from(text, 'latin1')),
        (err: unknown) => {
          assert.ok(err instanceof ZNodeFormatError);
          assert.equal(err.code, 'ZNODE_FORMAT');
          assert.equal(err.path, '/brokers/ids/3');
          return true;
        },
      );
    });
  }
});
