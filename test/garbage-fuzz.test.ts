// "No crash on a garbage znode someone else wrote": random and mutated inputs to every decoder
// must give the decoded value or ZNodeFormatError, never anything else. Seeded, so failures replay.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeBrokerZNode, decodeControllerEpoch, decodeControllerZNode, encodeBrokerZNode, listenersToEndpoints, ZNodeFormatError } from '../src/index.js';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const valid = encodeBrokerZNode(
  { brokerId: 1, endpoints: listenersToEndpoints([{ name: 'PLAINTEXT', host: 'h', port: 9092 }, { name: 'X', host: '::1', port: 1, securityProtocol: 'SSL' }]), jmxPort: -1, version: 5, rack: 'r' },
  1,
);

function mutate(buf: Buffer, r: () => number): Buffer {
  const b = Buffer.from(buf);
  const edits = 1 + Math.floor(r() * 4);
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(r() * b.length);
    const kind = r();
    if (kind < 0.4) b[at] = Math.floor(r() * 256);
    else if (kind < 0.7) return Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + Math.floor(r() * 8))]);
    else b[at] = '{}[]":,0-1tfn'.charCodeAt(Math.floor(r() * 13));
  }
  return b;
}

test('decoders never throw anything but ZNodeFormatError (20000 seeded inputs)', () => {
  const r = rng(20261125);
  for (let i = 0; i < 20_000; i++) {
    const input = i % 2 === 0 ? mutate(valid, r) : Buffer.from(Array.from({ length: Math.floor(r() * 64) }, () => Math.floor(r() * 256)));
    for (const decode of [(b: Buffer) => decodeBrokerZNode(1, b), decodeControllerZNode, decodeControllerEpoch]) {
      try {
        decode(input);
      } catch (err) {
        assert.ok(err instanceof ZNodeFormatError, `input ${input.toString('hex')} threw ${String(err)}`);
      }
    }
  }
});
