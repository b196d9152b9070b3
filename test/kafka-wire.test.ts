// The test double's codec against byte layouts written out by hand from Kafka's message specs.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  encodeApiVersionsResponse,
  encodeMetadataResponse,
  readMetadataRequest,
  readRequestHeader,
  response,
} from '../integration/kafka-double/protocol.js';
import { frame, FrameSplitter, Reader } from '../src/kafka-protocol/wire.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('framing and headers', () => {
  test('request header v1: api_key, api_version, correlation_id, client_id', () => {
    const h = readRequestHeader(new Reader(hex('0012 0002 0000002a 0003 616263')));
    assert.deepEqual(h, { apiKey: 18, apiVersion: 2, correlationId: 42, clientId: 'abc' });
    assert.equal(readRequestHeader(new Reader(hex('0003 0000 00000001 ffff'))).clientId, null);
  });

  test('response header v0 is the correlation id', () => {
    assert.deepEqual(response(7, hex('beef')), hex('00000007 beef'));
  });

  test('frames split across and within chunks', () => {
    const f = new FrameSplitter();
    const wire = Buffer.concat([frame(hex('0102')), frame(hex('03'))]);
    assert.deepEqual(f.push(wire.subarray(0, 3)), []);
    assert.deepEqual(f.push(wire.subarray(3)), [hex('0102'), hex('03')]);
    assert.throws(() => new FrameSplitter(10).push(hex('000000ff')), /bad frame size/);
  });

  test('truncated input is a RangeError, not garbage', () => {
    assert.throws(() => new Reader(hex('00')).int16(), RangeError);
    assert.throws(() => new Reader(hex('0005 6162')).string(), RangeError);
    assert.throws(() => new Reader(hex('7fffffff')).nullableArray((r) => r.int8()), RangeError);
  });
});

describe('ApiVersions', () => {
  const apis = [{ apiKey: 3, minVersion: 0, maxVersion: 4 }];
  test('v0: error_code, [api_key, min, max]', () => {
    assert.deepEqual(encodeApiVersionsResponse(0, 0, apis), hex('0000 00000001 0003 0000 0004'));
  });
  test('v1/v2: + throttle_time_ms', () => {
    assert.deepEqual(encodeApiVersionsResponse(2, 0, apis), hex('0000 00000001 0003 0000 0004 00000000'));
  });
  test('UNSUPPORTED_VERSION (35) answered in the v0 layout', () => {
    assert.deepEqual(encodeApiVersionsResponse(0, 35, apis), hex('0023 00000001 0003 0000 0004'));
  });
});

describe('Metadata', () => {
  test('request v0: topics array; empty means all', () => {
    assert.deepEqual(readMetadataRequest(0, new Reader(hex('00000001 0001 74'))), { topics: ['t'], allowAutoTopicCreation: true });
    assert.deepEqual(readMetadataRequest(0, new Reader(hex('00000000'))), { topics: null, allowAutoTopicCreation: true });
  });
  test('request v1: null array = all topics; v4: + allow_auto_topic_creation', () => {
    assert.deepEqual(readMetadataRequest(1, new Reader(hex('ffffffff'))), { topics: null, allowAutoTopicCreation: true });
    assert.deepEqual(readMetadataRequest(4, new Reader(hex('00000000 00'))), { topics: [], allowAutoTopicCreation: false });
  });

  const body = { brokers: [{ nodeId: 1, host: 'h', port: 9092, rack: null }], clusterId: 'c', controllerId: 1, unknownTopics: ['t'] };
  const broker = '00000001 0001 68 00002384';
  test('response v0: brokers [id, host, port], topics [error, name, partitions]', () => {
    assert.deepEqual(encodeMetadataResponse(0, body), hex(`00000001 ${broker}  00000001 0003 0001 74 00000000`));
  });
  test('response v1: + rack, controller_id, is_internal', () => {
    assert.deepEqual(encodeMetadataResponse(1, body), hex(`00000001 ${broker} ffff  00000001  00000001 0003 0001 74 00 00000000`));
  });
  test('response v2: + cluster_id before controller_id', () => {
    assert.deepEqual(encodeMetadataResponse(2, body), hex(`00000001 ${broker} ffff  0001 63  00000001  00000001 0003 0001 74 00 00000000`));
  });
  test('response v3/v4: + throttle_time_ms first', () => {
    const v3 = hex(`00000000  00000001 ${broker} ffff  0001 63  00000001  00000001 0003 0001 74 00 00000000`);
    assert.deepEqual(encodeMetadataResponse(3, body), v3);
    assert.deepEqual(encodeMetadataResponse(4, body), v3);
  });
});
