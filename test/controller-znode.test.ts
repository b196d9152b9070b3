import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  decodeControllerEpoch,
  decodeControllerRegistration,
  decodeControllerZNode,
  decodeMigrationZNode,
  encodeControllerEpoch,
  encodeControllerZNode,
  encodeMigrationZNode,
  MIGRATION_PATH,
  ZNodeFormatError,
} from '../src/index.js';

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
    assert.throws(
      () => decodeControllerZNode(Buffer.from(bad)),
      (e: unknown) => e instanceof ZNodeFormatError && e.path === '/controller',
    );
  });
}

test('/controller_epoch is a decimal string', () => {
  assert.equal(encodeControllerEpoch(12).toString(), '12');
  assert.equal(decodeControllerEpoch(Buffer.from('12')), 12);
  assert.equal(decodeControllerEpoch(Buffer.from('0')), 0);
});

for (const bad of ['', 'seven', '1.0', ' 1', '99999999999', '0x10']) {
  test(`/controller_epoch garbage ${JSON.stringify(bad)} -> ZNodeFormatError`, () => {
    assert.throws(
      () => decodeControllerEpoch(Buffer.from(bad)),
      (e: unknown) => e instanceof ZNodeFormatError && e.path === '/controller_epoch',
    );
  });
}

test('the KRaft era: a KRaft controller writes kraftControllerEpoch >= 0; -1 or absent is a ZooKeeper-mode controller', () => {
  // As KafkaZkClient.tryRegisterKRaftControllerAsActiveController writes it (ControllerZNode.encode with an epoch).
  const kraft = Buffer.from('{"version":2,"brokerid":3000,"timestamp":"1700000000000","kraftControllerEpoch":4}');
  assert.deepEqual(decodeControllerRegistration(kraft), { brokerId: 3000, kraftControllerEpoch: 4, kraft: true });
  assert.deepEqual(decodeControllerRegistration(encodeControllerZNode(7, 0)), { brokerId: 7, kraftControllerEpoch: -1, kraft: false });
  assert.deepEqual(decodeControllerRegistration(Buffer.from('{"version":1,"brokerid":5,"timestamp":"1"}')), {
    brokerId: 5,
    kraftControllerEpoch: undefined,
    kraft: false,
  });
  assert.throws(
    () => decodeControllerRegistration(Buffer.from('{"brokerid":1,"kraftControllerEpoch":"4"}')),
    (e: unknown) => e instanceof ZNodeFormatError && /kraftControllerEpoch/.test(e.reason),
  );
});

test("/migration: version 0 only; migrated once kraft_metadata_offset > 0 (Kafka's initialZkMigrationComplete)", () => {
  const initial = { kraftControllerId: -1, kraftControllerEpoch: -1, kraftMetadataOffset: -1, kraftMetadataEpoch: -1 };
  const bytes = encodeMigrationZNode(initial);
  assert.equal(
    bytes.toString(),
    '{"version":0,"kraft_controller_id":-1,"kraft_controller_epoch":-1,"kraft_metadata_offset":-1,"kraft_metadata_epoch":-1}',
  );
  assert.deepEqual(decodeMigrationZNode(bytes), { version: 0, ...initial, phase: 'waiting-for-brokers' });
  assert.equal(
    decodeMigrationZNode(encodeMigrationZNode({ ...initial, kraftControllerId: 3000, kraftMetadataOffset: 0 })).phase,
    'waiting-for-brokers',
  );
  assert.equal(
    decodeMigrationZNode(encodeMigrationZNode({ ...initial, kraftControllerId: 3000, kraftMetadataOffset: 42 })).phase,
    'migrated',
  );
  for (const bad of [
    '{"version":1,"kraft_controller_id":1,"kraft_controller_epoch":1,"kraft_metadata_offset":1,"kraft_metadata_epoch":1}',
    '{"version":0}',
    'garbage',
    '{"version":0,"kraft_controller_id":"1","kraft_controller_epoch":1,"kraft_metadata_offset":1,"kraft_metadata_epoch":1}',
  ]) {
    assert.throws(
      () => decodeMigrationZNode(Buffer.from(bad)),
      (e: unknown) => e instanceof ZNodeFormatError && e.path === MIGRATION_PATH,
      bad,
    );
  }
});
