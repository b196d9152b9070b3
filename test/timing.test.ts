import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { StoppedError } from '../src/errors.js';
import { StopSignal } from '../src/util/stop-signal.js';
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

describe('StopSignal.until', () => {
  test("gives the promise's outcome, StoppedError once stopped, and keeps nothing of a settled promise", async () => {
    const stop = new StopSignal('the registration of /brokers/ids/1');
    assert.equal(await stop.until(Promise.resolve(7)), 7);
    await assert.rejects(stop.until(Promise.reject(new Error('own'))), /own/);
    // A value a settled until() held on to would live as long as the stop: per call of a
    // long-lived registrar (every update()), that is a leak.
    v8.setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    let big: { bytes: Buffer } | undefined = { bytes: Buffer.alloc(1024) };
    const held = new WeakRef(big);
    await stop.until(Promise.resolve(big));
    big = undefined;
    await new Promise((r) => setImmediate(r));
    gc();
    assert.equal(held.deref(), undefined, 'the settled value is not kept by the stop signal');
    const pending = stop.until(new Promise<never>(() => undefined));
    stop.abort();
    await assert.rejects(pending, (e: unknown) => e instanceof StoppedError && /registration of \/brokers\/ids\/1/.test(e.message));
    await assert.rejects(stop.until(Promise.resolve(1)), StoppedError);
  });
});
