import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoffMs, delay } from '../src/util/timing.js';

test('backoff grows exponentially up to the max, jittered between min and the ceiling', () => {
  assert.equal(
    backoffMs(0, 100, 5000, () => 1),
    100,
  );
  assert.equal(
    backoffMs(3, 100, 5000, () => 1),
    800,
  );
  assert.equal(
    backoffMs(30, 100, 5000, () => 1),
    5000,
  );
  assert.equal(
    backoffMs(30, 100, 5000, () => 0),
    100,
  );
  for (let i = 0; i < 100; i++) {
    const v = backoffMs(i % 10, 100, 5000);
    assert.ok(v >= 100 && v <= 5000, `${v} out of range`);
  }
});

test('delay rejects with STOPPED when aborted, and clears its timer', async () => {
  const ac = new AbortController();
  const p = delay(60_000, ac.signal);
  ac.abort();
  await assert.rejects(p, { code: 'STOPPED' });
  await assert.rejects(delay(1, ac.signal), { code: 'STOPPED' });
});
