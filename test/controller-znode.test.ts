import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeControllerEpoch, decodeControllerZNode, encodeControllerEpoch, encodeControllerZNode, ZNodeFormatError } from '../src/index.js';

test('/controller is version 2 with a string timestamp and kraftControllerEpoch -1', () => {
  const j = JSON.parse(encodeControllerZNode(3, 1700000000000).toString()) as Record<string, unknown>;
  assert.deepEqual(j, { version: 2, brokerid: 3, timestamp: '1700000000000', kraftControllerEpoch: -1 });
});

test('readers only need brokerid: version 1 (older brokers) and version 2 decode', () => {
  assert.equal(decodeControllerZNode(Buffer.from('{"version":1,"brokerid":5,"timestamp":"1"}')), 5);
  assert.equal(decodeControllerZNode(encodeControllerZNode(7, 0)), 7);
});

for (const bad of ['', 'not json', '{"version":1}', '{"brokerid":"1"}', '{"brokerid":1.5}', '[1]', 'null']) {
  test(`/controller garbage ${JSON.stringify(bad)} -> ZNodeFormatError`, () => {
    assert.throws(() => decodeControllerZNode(Buffer.from(bad)), (e: unknown) => e instanceof ZNodeFormatError && e.path === '/controller');
  });
}

test('/controller_epoch is a decimal string', () => {
  assert.equal(encodeControllerEpoch(12).toString(), '12');
  assert.equal(decodeControllerEpoch(Buffer.from('12')), 12);
  assert.equal(decodeControllerEpoch(Buffer.from('0')), 0);
});

for (const bad of ['', 'seven', '1.0', ' 1', '99999999999', '0x10']) {
  test(`/controller_epoch garbage ${JSON.stringify(bad)} -> ZNodeFormatError`, () => {
    assert.throws(() => decodeControllerEpoch(Buffer.from(bad)), (e: unknown) => e instanceof ZNodeFormatError && e.path === '/controller_epoch');
  });
}
