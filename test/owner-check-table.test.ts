// The owner check's decision table (src/recipes/owner-check.ts `next` and `peekOutcome`), row by
// row: pure functions, no I/O. That each row is what a real server does is
// integration/owner-check.test.ts's job; this file pins the routing itself, in milliseconds.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { next, peekOutcome, type CreateOutcome, type Route, type RouteContext, type StepOutcome } from '../src/recipes/owner-check.js';
import type { Stat } from '../src/zookeeper/session.js';

const US = '1a';
const PREVIOUS = '2b';
const OTHER = '3c';
const DATA = Buffer.from('x');
function stat(over: Partial<Stat> = {}): Stat {
  return {
    czxid: 7,
    mzxid: 7,
    version: 0,
    aclVersion: 0,
    dataLength: 1,
    numChildren: 0,
    ephemeralOwner: US,
    ctime: new Date(0),
    mtime: new Date(0),
    ...over,
  };
}
const ctx = (over: Partial<RouteContext> = {}): RouteContext => ({ peeking: true, keepsAcl: false, created: 'created', ...over });
const route = (o: StepOutcome, c: Partial<RouteContext> = {}): Route => next(o, ctx(c));

describe('owner check table: create', () => {
  test('created / exists -> peek when the peek rides behind the create, else read', () => {
    for (const kind of ['created', 'exists'] as CreateOutcome[]) {
      assert.deepEqual(route({ step: 'create', kind }), { to: 'peek' });
      assert.deepEqual(route({ step: 'create', kind }, { peeking: false }), { to: 'read' });
    }
  });
  test('no-parent -> parents -> create', () => {
    assert.deepEqual(route({ step: 'create', kind: 'no-parent' }), { to: 'parents' });
    assert.deepEqual(route({ step: 'parents' }), { to: 'create' });
  });
  test('companion-conflict -> create (ops made anew)', () => {
    assert.deepEqual(route({ step: 'create', kind: 'companion-conflict' }), { to: 'create' });
  });
  test('start -> create; start -> parents when the parents were just read missing', () => {
    assert.deepEqual(route({ step: 'start' }), { to: 'create' });
    assert.deepEqual(route({ step: 'start' }, { parentsFirst: true }), { to: 'parents' });
    assert.deepEqual(route({ step: 'parents' }, { parentsFirst: true }), { to: 'create' }, 'once: parents, then the create');
  });
});

describe('owner check table: peek', () => {
  const wasOurs = (id: string): boolean => id === PREVIOUS;
  test('classification: untouched only after our own create, at version 0 and ACL version 0', () => {
    assert.deepEqual(peekOutcome(stat(), 'created', US, wasOurs), { kind: 'untouched' });
    assert.deepEqual(peekOutcome(stat(), 'exists', US, wasOurs), { kind: 'other' }, 'NodeExists then ours: a create that raced, read it');
    assert.deepEqual(peekOutcome(stat({ version: 1 }), 'created', US, wasOurs), { kind: 'other' }, 'rewritten since');
    assert.deepEqual(peekOutcome(stat({ aclVersion: 1 }), 'created', US, wasOurs), { kind: 'other' }, 'ACL changed since');
    assert.deepEqual(peekOutcome(null, 'created', US, wasOurs), { kind: 'gone' });
    assert.deepEqual(peekOutcome(stat({ ephemeralOwner: PREVIOUS, version: 3 }), 'exists', US, wasOurs), {
      kind: 'previous',
      owner: PREVIOUS,
      version: 3,
    });
    assert.deepEqual(peekOutcome(stat({ ephemeralOwner: OTHER }), 'exists', US, wasOurs), { kind: 'other' });
    assert.deepEqual(
      peekOutcome(stat({ ephemeralOwner: '0' }), 'exists', US, (id) => id === '0'),
      { kind: 'other' },
      'a persistent node is never a session of ours',
    );
  });
  test('untouched -> OWNED (created), no ACL step even with an ACL to keep', () => {
    const st = stat();
    assert.deepEqual(route({ step: 'peek', peek: { kind: 'untouched' }, stat: st }, { keepsAcl: true }), {
      to: 'owned',
      secured: { how: 'created', stat: st },
    });
  });
  test('previous -> replace, with the next create right behind it', () => {
    assert.deepEqual(route({ step: 'peek', peek: { kind: 'previous', owner: PREVIOUS, version: 3 }, stat: stat() }), {
      to: 'replace',
      owner: PREVIOUS,
      version: 3,
      behindCreate: true,
    });
  });
  test('gone -> create; other -> read', () => {
    assert.deepEqual(route({ step: 'peek', peek: { kind: 'gone' }, stat: stat() }), { to: 'create' });
    assert.deepEqual(route({ step: 'peek', peek: { kind: 'other' }, stat: stat() }), { to: 'read' });
  });
});

describe('owner check table: read', () => {
  test('ours, same data -> OWNED: created after our create, adopted after NodeExists; the ACL step first when one is kept', () => {
    const st = stat({ version: 2 });
    const read = { step: 'read', read: { kind: 'ours', stat: st, data: DATA }, sameData: true } as const;
    assert.deepEqual(route(read, { created: 'created' }), { to: 'owned', secured: { how: 'created', stat: st } });
    assert.deepEqual(route(read, { created: 'exists' }), { to: 'owned', secured: { how: 'adopted', stat: st } });
    assert.deepEqual(route(read, { created: 'exists', keepsAcl: true }), { to: 'acl', securing: { how: 'adopted', stat: st } });
  });
  test('ours, other data -> rewrite at the version read', () => {
    assert.deepEqual(route({ step: 'read', read: { kind: 'ours', stat: stat({ version: 4 }), data: Buffer.from('y') }, sameData: false }), {
      to: 'rewrite',
      version: 4,
    });
  });
  test('our previous session -> replace (awaited before the next create)', () => {
    assert.deepEqual(route({ step: 'read', read: { kind: 'previous', owner: PREVIOUS, stat: stat({ version: 5 }) }, sameData: false }), {
      to: 'replace',
      owner: PREVIOUS,
      version: 5,
      behindCreate: false,
    });
  });
  test('foreign -> BLOCKED, never adopted; persistent -> PERSISTENT; gone -> create', () => {
    assert.deepEqual(route({ step: 'read', read: { kind: 'foreign', owner: OTHER, data: DATA }, sameData: false }), {
      to: 'blocked',
      owner: OTHER,
      data: DATA,
    });
    assert.deepEqual(route({ step: 'read', read: { kind: 'persistent', data: DATA }, sameData: false }), { to: 'persistent', data: DATA });
    assert.deepEqual(route({ step: 'read', read: { kind: 'gone' }, sameData: false }), { to: 'create' });
  });
});

describe('owner check table: rewrite, replace, acl', () => {
  test('rewrite: done -> OWNED (rewritten), through the ACL step when one is kept; conflict -> create', () => {
    const st = stat({ version: 5 });
    assert.deepEqual(route({ step: 'rewrite', rewrite: { kind: 'done', stat: st } }), {
      to: 'owned',
      secured: { how: 'rewritten', stat: st },
    });
    assert.deepEqual(route({ step: 'rewrite', rewrite: { kind: 'done', stat: st } }, { keepsAcl: true }), {
      to: 'acl',
      securing: { how: 'rewritten', stat: st },
    });
    assert.deepEqual(route({ step: 'rewrite', rewrite: { kind: 'conflict' } }), { to: 'create' });
  });
  test('replace: deleted or conflict -> create (the create decides)', () => {
    assert.deepEqual(route({ step: 'replace', kind: 'deleted' }), { to: 'create' });
    assert.deepEqual(route({ step: 'replace', kind: 'conflict' }), { to: 'create' });
  });
  test('acl: ok or fixed -> the OWNED it was securing; conflict -> create', () => {
    const securing = { how: 'adopted', stat: stat() } as const;
    assert.deepEqual(route({ step: 'acl', kind: 'ok', securing }), { to: 'owned', secured: securing });
    assert.deepEqual(route({ step: 'acl', kind: 'fixed', securing }), { to: 'owned', secured: securing });
    assert.deepEqual(route({ step: 'acl', kind: 'conflict', securing }), { to: 'create' });
  });
});
