// Event names and listener shapes are checked by the compiler (this file is compiled by `npm test`'s
// pretest: an `@ts-expect-error` that no longer finds an error fails the build).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BrokerRegistrar, OwnedEphemeral, Connection, type Registration } from '../src/index.js';

test('typed on/once/off: a misspelled event or a listener of the wrong shape does not compile', () => {
  const r = new BrokerRegistrar({
    zookeeper: { connect: '127.0.0.1:2181' },
    brokerId: 1,
    listeners: [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9092 }],
  });
  // @ts-expect-error 'registerd' is not an event of BrokerRegistrar
  r.on('registerd', () => undefined);
  // @ts-expect-error a registered listener gets a Registration, not a string
  r.once('registered', (x: string) => x);
  const seen: Registration[] = [];
  const onRegistered = (reg: Registration): void => void seen.push(reg);
  const before = r.listenerCount('registered');
  r.on('registered', onRegistered);
  assert.equal(r.listenerCount('registered'), before + 1);
  r.off('registered', onRegistered);
  assert.equal(r.listenerCount('registered'), before);
  const c = new Connection({ connect: '127.0.0.1:2181' });
  // @ts-expect-error 'expire' is not an event of Connection (it is 'expired')
  c.on('expire', () => undefined);
  const e = new OwnedEphemeral({ connection: c, path: '/x', data: () => Buffer.alloc(0) });
  // @ts-expect-error 'own' is not an event of OwnedEphemeral
  e.on('own', () => undefined);
  assert.equal(e.listenerCount('owned'), 0);
});
