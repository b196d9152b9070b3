// Persistent watches (addWatch, 3.6+) when the session meets a server older than 3.6, as in a rolling
// upgrade or downgrade. On reconnect the client sets its watches again; persistent ones need
// SetWatches2 (opcode 105), which 3.4.14 and 3.5.10 do not know: both answer it UNIMPLEMENTED
// (xid -8, zxid -1) from their I/O thread and close the connection, keeping the session
// (ZooKeeperServer.submitRequest -> UnimplementedRequestProcessor; observed in the server log as
// "Received packet at server of unknown type 105"). What the client must do: keep the session, set
// the one-shot watches again with the old SetWatches, tell each persistent watch's owner that it was
// dropped ('removed', with an UnimplementedError), reconnect at most once for it, and never send the
// dropped watches to a 3.6+ server later.
//
// How one session meets both kinds of server, with real servers only: a standalone 3.9.4 server is
// downgraded in place (stopped, then started as 3.5.10 or 3.4.14 on the same port and data, which
// hold the session) and upgraded back (harness/in-place-server.ts). A TCP proxy switching between a
// 3.9 and a 3.5 server would not do: a session id is known only to the ensemble that made it, so the
// old server would answer "expired" and the path under test would never run; mixed-release
// ensembles cannot be formed in a test either. Before the fix this file failed: the one-shot watches
// were lost with the refused SetWatches2 (never set again: the client then refused 105 itself on the
// reconnect, with the one-shot paths in the same request) and the persistent ones silently.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { UnimplementedError, ZkClient, type ZkClientOptions } from '../src/zookeeper/client/index.js';
import { fourLetterWord } from '../src/testing/net.js';
import { releasesFetched, startInPlaceServer, type InPlaceServer } from './harness/in-place-server.js';
import { within } from './harness/wait.js';

const NEW = '3.9.4';
const OLD_LINES = ['3.5.10', '3.4.14'] as const;

type Call = [event: string, path: string, cause: unknown];

/** A watcher (one-shot or persistent) that records every call, and waits (bounded) for the next one. */
function recorder(name: string): { fn: (e: string, p: string, cause?: unknown) => void; calls: Call[]; next(ms?: number): Promise<Call> } {
  const calls: Call[] = [];
  let waiter: ((c: Call) => void) | undefined;
  let taken = 0;
  return {
    calls,
    fn: (e, p, cause) => {
      calls.push([e, p, cause]);
      if (waiter !== undefined) {
        const w = waiter;
        waiter = undefined;
        w(calls[taken++]!);
      }
    },
    next: (ms = 10_000) => {
      if (taken < calls.length) return Promise.resolve(calls[taken++]!);
      return within(new Promise<Call>((r) => (waiter = r)), ms, `watcher ${name} to be called`);
    },
  };
}

/** The paths of session `id`'s watches, from the server's own `wchc`. */
async function serverWatches(server: InPlaceServer, id: string): Promise<string[]> {
  const out = await fourLetterWord(server.port, 'wchc');
  const paths: string[] = [];
  let ours = false;
  for (const line of out.split('\n')) {
    if (/^0x[0-9a-f]+/i.test(line.trim())) ours = line.trim().toLowerCase() === `0x${id}`;
    else if (ours && line.startsWith('\t')) paths.push(line.trim());
  }
  return paths.sort();
}

for (const old of OLD_LINES) {
  const fetched = releasesFetched(NEW, old);
  describe(`a session with persistent watches across ${NEW} -> ${old} -> ${NEW}, one server swapped in place`, {
    skip: fetched === true ? false : fetched,
  }, () => {
    let server: InPlaceServer;
    const clients: ZkClient[] = [];
    const open = async (opts: Partial<ZkClientOptions> = {}): Promise<ZkClient> => {
      // 8 s: long enough for a server to be swapped (its sessions get a fresh timeout when it loads
      // them), short enough that an attempt caught by a server still starting (it takes the TCP
      // connection and never answers) gives up well within the waits below.
      const c = await ZkClient.connect(
        { connect: server.connectString, sessionTimeoutMs: 8000, reconnectJitterMs: 50, retryListPauseMs: 100, ...opts },
        AbortSignal.timeout(20_000),
      );
      clients.push(c);
      return c;
    };
    before(async () => {
      server = await startInPlaceServer(NEW);
    });
    after(async () => {
      for (const c of clients) await c.close().catch(() => undefined);
      await server?.stop();
    });

    test(`${old} refuses SetWatches2 once: the session stays, one-shot watches are set again, each persistent watch is told 'removed'; ${NEW} later is not sent them`, async () => {
      const admin = await open();
      await admin.create('/w', null);
      await admin.create('/w/data', Buffer.from('0'));
      await admin.create('/w/p', Buffer.from('0'));
      await admin.create('/w/tree', null);
      await admin.close();

      const c = await open();
      const data = recorder('one-shot data watch');
      const exist = recorder('one-shot exist watch');
      const persistent = recorder('persistent watch');
      const recursive = recorder('persistent-recursive watch');
      await c.get('/w/data', data.fn);
      assert.equal(await c.exists('/w/later', exist.fn), null);
      await c.addWatch('/w/p', persistent.fn, 'persistent');
      await c.addWatch('/w/tree', recursive.fn, 'persistent-recursive');
      await c.create('/w/eph', null, 'ephemeral');
      // Every lost connection and failed attempt, with its cause: what a failure below prints.
      const history: string[] = [];
      let disconnects = 0;
      c.connection.on('disconnected', (cause) => {
        disconnects++;
        history.push(`disconnected: ${cause.message}`);
      });
      c.connection.on('attemptFailed', (host, cause) => history.push(`attempt to ${host} failed: ${cause.message}`));

      // Downgrade: the client reconnects by itself to the same address, now an old server.
      await server.swapTo(old);
      assert.match(server.version, new RegExp(`^${old.replace(/\./g, '\\.')}`));
      for (const [w, path, kind] of [
        [persistent, '/w/p', 'persistent'],
        [recursive, '/w/tree', 'persistent-recursive'],
      ] as const) {
        const [event, p, cause] = await w.next(20_000);
        assert.deepEqual([event, p], ['removed', path], `${kind} watch: told it was removed`);
        assert.ok(cause instanceof UnimplementedError, `${kind} watch: cause ${String(cause)}`);
        assert.equal(cause.operation, 'setWatches2');
        assert.equal(cause.since, '3.6');
        assert.equal(cause.server, server.connectString);
        assert.equal(cause.path, path);
      }

      // The same session, its ephemeral still its own, on the old server.
      const observer = await open();
      await within(
        new Promise<void>((resolve) => (c.isConnected ? resolve() : c.connection.once('connected', () => resolve()))),
        10_000,
        'the client to be connected to the old server',
      );
      assert.equal((await observer.exists('/w/eph'))?.ephemeralOwner, c.id);

      // The one-shot watches were set again (the old SetWatches): changes on the old server fire them, once.
      await observer.set('/w/data', Buffer.from('1'));
      await observer.create('/w/later', null);
      assert.deepEqual((await data.next()).slice(0, 2), ['changed', '/w/data']);
      assert.deepEqual((await exist.next()).slice(0, 2), ['created', '/w/later']);

      // No reconnect loop: requests are answered over a few hundred reconnect-pauses' worth of time,
      // with no disconnect after the one the refusal cost (one for the swap, one for the refusal).
      const settled = disconnects;
      assert.ok(settled <= 2, `disconnects after the downgrade: ${settled}\n${history.join('\n')}`);
      const until = Date.now() + 1500;
      while (Date.now() < until) await c.sync('/w');
      assert.equal(disconnects, settled, `no further disconnect\n${history.join('\n')}`);
      assert.equal(c.state, 'connected');
      const refusals = server
        .log()
        .split('\n')
        .filter((l) => l.includes('unknown type 105')).length;
      assert.equal(refusals, 1, `${old} saw SetWatches2 exactly once\n${history.join('\n')}`);

      // The dropped watches hear nothing more: not on the old server...
      await observer.set('/w/p', Buffer.from('1'));
      await observer.create('/w/tree/a', null);
      await c.sync('/w');
      assert.equal(persistent.calls.length, 1);
      assert.equal(recursive.calls.length, 1);

      // ...nor after the upgrade back: the client sends the old SetWatches with the one-shot watch
      // it holds, and nothing of the dropped ones.
      const again = recorder('one-shot data watch, set on the old server');
      await c.get('/w/data', again.fn);
      await observer.close();
      await server.swapTo(NEW);
      const observer2 = await open();
      await within(
        (async () => {
          while (!(c.isConnected && (await serverWatches(server, c.id)).length > 0)) await new Promise((r) => setTimeout(r, 50));
        })(),
        20_000,
        `the client's watches on ${NEW}`,
      );
      assert.deepEqual(await serverWatches(server, c.id), ['/w/data'], `${NEW} holds the one-shot watch and nothing dropped`);
      await observer2.set('/w/p', Buffer.from('2'));
      await observer2.create('/w/tree/b', null);
      await observer2.set('/w/data', Buffer.from('2'));
      assert.deepEqual((await again.next()).slice(0, 2), ['changed', '/w/data']);
      assert.equal(persistent.calls.length, 1, 'the dropped persistent watch never fires again');
      assert.equal(recursive.calls.length, 1);

      // The owner can set it again on a 3.6+ server, and it works as before.
      const readded = recorder('persistent watch, added again');
      await c.addWatch('/w/p', readded.fn, 'persistent');
      await observer2.set('/w/p', Buffer.from('3'));
      assert.deepEqual((await readded.next()).slice(0, 2), ['changed', '/w/p']);
      assert.equal((await observer2.exists('/w/eph'))?.ephemeralOwner, c.id, 'the same session throughout');
    });
  });
}
