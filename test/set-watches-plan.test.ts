// The two decision tables of setting watches again after a reconnect (src/zookeeper/client/
// set-watches-plan.ts), row by row, and the registry's drop of persistent watches: pure, no I/O.
// That the rows match what real servers do (3.4.14 and 3.5.10 refuse SetWatches2 and close; 3.9.4
// takes it) is integration/watch-downgrade.test.ts's job.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { UnimplementedError } from '../src/errors.js';
import { planSetWatches, setWatchesOutcome } from '../src/zookeeper/client/set-watches-plan.js';
import { type PersistentWatcher, WatchRegistry, type WatchLists } from '../src/zookeeper/client/watch-registry.js';
import { EventType, KeeperErrorCode, OpCode } from '../src/zookeeper/protocol/index.js';

const lists = (over: Partial<WatchLists> = {}): WatchLists => ({
  data: [],
  exist: [],
  child: [],
  persistent: [],
  persistentRecursive: [],
  ...over,
});

describe('planSetWatches: what a reconnect sends', () => {
  test('no watch: nothing to send, nothing to drop', () => {
    for (const refuses of [false, true]) assert.deepEqual(planSetWatches(lists(), refuses), { dropPersistent: false, batches: [] });
  });

  test('one-shot watches only: SetWatches, whether or not the server refuses SetWatches2', () => {
    for (const refuses of [false, true]) {
      const plan = planSetWatches(lists({ data: ['/d'], exist: ['/e'], child: ['/c'] }), refuses);
      assert.equal(plan.dropPersistent, false);
      assert.deepEqual(plan.batches, [{ opCode: OpCode.setWatches, ...lists({ data: ['/d'], exist: ['/e'], child: ['/c'] }) }]);
    }
  });

  test('persistent watches, server not known to refuse: SetWatches2 with everything', () => {
    const w = lists({ data: ['/d'], persistent: ['/p'], persistentRecursive: ['/r'] });
    assert.deepEqual(planSetWatches(w, false), { dropPersistent: false, batches: [{ opCode: OpCode.setWatches2, ...w }] });
  });

  test('persistent watches, server known to refuse: drop them, SetWatches with the one-shot ones', () => {
    const plan = planSetWatches(lists({ data: ['/d'], child: ['/c'], persistent: ['/p'], persistentRecursive: ['/r'] }), true);
    assert.equal(plan.dropPersistent, true);
    assert.deepEqual(plan.batches, [{ opCode: OpCode.setWatches, ...lists({ data: ['/d'], child: ['/c'] }) }]);
  });

  test('persistent watches only, server known to refuse: drop them, send nothing', () => {
    assert.deepEqual(planSetWatches(lists({ persistent: ['/p'] }), true), { dropPersistent: true, batches: [] });
  });

  test('batches are cut at the length limit; only those that carry a persistent watch are SetWatches2', () => {
    const w = lists({ data: ['/aaaa', '/bbbb'], exist: ['/cccc'], persistent: ['/pppp'] });
    const plan = planSetWatches(w, false, 10);
    assert.deepEqual(
      plan.batches.map((b) => [b.opCode, [...b.data, ...b.exist, ...b.child, ...b.persistent, ...b.persistentRecursive]]),
      [
        [OpCode.setWatches, ['/aaaa', '/bbbb']],
        [OpCode.setWatches2, ['/cccc', '/pppp']],
      ],
    );
    // Refused: the same one-shot paths, all with SetWatches.
    const refused = planSetWatches(w, true, 10);
    assert.deepEqual(
      refused.batches.map((b) => [b.opCode, [...b.data, ...b.exist]]),
      [
        [OpCode.setWatches, ['/aaaa', '/bbbb']],
        [OpCode.setWatches, ['/cccc']],
      ],
    );
  });
});

describe('setWatchesOutcome: what a SetWatches reply asks for', () => {
  test('OK: set', () => {
    assert.equal(setWatchesOutcome(OpCode.setWatches, KeeperErrorCode.OK), 'set');
    assert.equal(setWatchesOutcome(OpCode.setWatches2, KeeperErrorCode.OK), 'set');
  });
  test('SetWatches2 answered UNIMPLEMENTED (a server before 3.6): refused', () => {
    assert.equal(setWatchesOutcome(OpCode.setWatches2, KeeperErrorCode.UNIMPLEMENTED), 'refused');
  });
  test('anything else: failed (logged; the watches stay for the next connection)', () => {
    assert.equal(setWatchesOutcome(OpCode.setWatches, KeeperErrorCode.UNIMPLEMENTED), 'failed');
    assert.equal(setWatchesOutcome(OpCode.setWatches2, KeeperErrorCode.MARSHALLINGERROR), 'failed');
  });
});

describe('WatchRegistry.dropPersistent', () => {
  test('removes every persistent watch, returns each (kind, path, watcher) once, and leaves the one-shot ones', () => {
    const r = new WatchRegistry();
    const seen: string[] = [];
    const a: PersistentWatcher = (e, p) => seen.push(`a ${e} ${p}`);
    const b: PersistentWatcher = (e, p) => seen.push(`b ${e} ${p}`);
    r.add('data', '/d', () => seen.push('data'));
    r.addPersistent('persistent', '/p', a);
    r.addPersistent('persistent', '/p', b);
    r.addPersistent('persistentRecursive', '/', a);
    const dropped = r.dropPersistent();
    assert.deepEqual(
      dropped.map((d) => [d.kind, d.path, d.watcher === a ? 'a' : 'b']),
      [
        ['persistent', '/p', 'a'],
        ['persistent', '/p', 'b'],
        ['persistentRecursive', '/', 'a'],
      ],
    );
    assert.deepEqual(r.lists(), lists({ data: ['/d'] }), 'nothing persistent is left to send to any server');
    assert.deepEqual(r.dropPersistent(), []);
    // Dropped watches hear no event; the one-shot watch still does.
    for (const w of r.materialize(EventType.NodeDataChanged, '/p')) w('changed', '/p');
    for (const w of r.materialize(EventType.NodeDataChanged, '/d')) w('changed', '/d');
    assert.deepEqual(seen, ['data']);
  });

  test("a persistent watcher takes 'removed' with its cause", () => {
    const got: unknown[] = [];
    const w: PersistentWatcher = (event, path, cause) => got.push(event, path, cause?.since);
    w('removed', '/p', new UnimplementedError('setWatches2', '/p', '3.6', undefined, '127.0.0.1:2181'));
    assert.deepEqual(got, ['removed', '/p', '3.6']);
  });
});
