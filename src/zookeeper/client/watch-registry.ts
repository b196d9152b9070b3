// The client's side of ZooKeeper watches (the Java client's ZKWatchManager). The server keeps one
// watch per path and kind for the session, and tells the client only "this happened on that path";
// which of our functions that concerns is recorded here. Keys are client paths (chroot stripped).
import type { UnimplementedError } from '../../errors.js';
import type { WatchEventType, Watcher } from '../types.js';
import { EventType } from '../protocol/index.js';

/**
 * - data: set by getData, and by exists on a node that exists; fires on changed/deleted.
 * - exist: set by exists on a node that does not exist; fires on created.
 * - child: set by getChildren; fires on child/deleted.
 * - persistent / persistentRecursive: set by addWatch; never removed by firing.
 */
export type WatchKind = OneShotWatchKind | PersistentWatchKind;
/** The kinds a read leaves, each removed by its first event. */
export type OneShotWatchKind = 'data' | 'exist' | 'child';
/** The kinds addWatch sets (3.6+). */
export type PersistentWatchKind = 'persistent' | 'persistentRecursive';

/**
 * What a persistent watch hears: the node events of a one-shot watch, and `removed` when the client
 * had to drop the watch (ZooKeeper's PersistentWatchRemoved).
 */
export type PersistentWatchEvent = WatchEventType | 'removed';

/**
 * A persistent watch's callback (addWatch). Besides the node events it is told `removed`, once and
 * last, when the session reconnected to a server older than 3.6, which cannot hold persistent
 * watches: the session and its one-shot watches go on there, this watch does not. `cause` is given
 * with `removed` only: an UnimplementedError (operation `setWatches2`, `since` '3.6', `server` the
 * server that refused it, `path` the watch's). Set the watch again with addWatch once connected to
 * a 3.6+ server (addWatch on the old one fails with UnimplementedError). A one-shot `Watcher` is not
 * a PersistentWatcher: the compiler asks for `removed` to be handled.
 */
export type PersistentWatcher = (event: PersistentWatchEvent, path: string, cause?: UnimplementedError) => void;

/** A persistent watch the client dropped: its kind, its client path and its watcher. */
export interface DroppedWatch {
  readonly kind: PersistentWatchKind;
  readonly path: string;
  readonly watcher: PersistentWatcher;
}

const EVENT_NAMES: Readonly<Record<number, WatchEventType>> = {
  [EventType.NodeCreated]: 'created',
  [EventType.NodeDeleted]: 'deleted',
  [EventType.NodeDataChanged]: 'changed',
  [EventType.NodeChildrenChanged]: 'child',
};

/** The library's name for a WatcherEvent type, or undefined for a type that is not a node event. */
export function watchEventName(type: number): WatchEventType | undefined {
  return EVENT_NAMES[type];
}

export interface WatchLists {
  readonly data: string[];
  readonly exist: string[];
  readonly child: string[];
  readonly persistent: string[];
  readonly persistentRecursive: string[];
}

export class WatchRegistry {
  private readonly oneShot: Record<OneShotWatchKind, Map<string, Set<Watcher>>> = {
    data: new Map(),
    exist: new Map(),
    child: new Map(),
  };
  // Kept apart, with their own type: only they can be told `removed` (dropPersistent).
  private readonly persistentKinds: Record<PersistentWatchKind, Map<string, Set<PersistentWatcher>>> = {
    persistent: new Map(),
    persistentRecursive: new Map(),
  };

  private mapOf(kind: WatchKind): Map<string, Set<Watcher>> | Map<string, Set<PersistentWatcher>> {
    return kind === 'persistent' || kind === 'persistentRecursive' ? this.persistentKinds[kind] : this.oneShot[kind];
  }

  add(kind: OneShotWatchKind, path: string, watcher: Watcher): void {
    addTo(this.oneShot[kind], path, watcher);
  }

  addPersistent(kind: PersistentWatchKind, path: string, watcher: PersistentWatcher): void {
    addTo(this.persistentKinds[kind], path, watcher);
  }

  /**
   * The watchers an event concerns, in registration order, each once; one-shot watches are removed
   * from the registry here (at the point the server's event is read, so that a reply read after it
   * can set a fresh watch), persistent ones stay. As ZKWatchManager.materialize.
   */
  materialize(type: number, path: string): Watcher[] {
    const out = new Set<Watcher>();
    const take = (kind: OneShotWatchKind): void => {
      const set = this.oneShot[kind].get(path);
      if (set === undefined) return;
      this.oneShot[kind].delete(path);
      for (const w of set) out.add(w);
    };
    switch (type) {
      case EventType.NodeCreated:
      case EventType.NodeDataChanged:
        take('data');
        take('exist');
        break;
      case EventType.NodeChildrenChanged:
        take('child');
        break;
      case EventType.NodeDeleted:
        take('data');
        take('exist');
        take('child');
        break;
      default:
        return [];
    }
    for (const w of this.persistentKinds.persistent.get(path) ?? []) out.add(w);
    // A recursive watch covers its path and everything below it, but not child-list changes
    // (the server sends none for it: creations and deletions below are reported per node).
    if (type !== EventType.NodeChildrenChanged) {
      for (let p = path; ; p = parentOf(p)) {
        for (const w of this.persistentKinds.persistentRecursive.get(p) ?? []) out.add(w);
        if (p === '/') break;
      }
    }
    return [...out];
  }

  /** Removes every watcher of these kinds on `path`; returns whether there was any. */
  remove(kinds: readonly WatchKind[], path: string): boolean {
    let any = false;
    for (const k of kinds) any = this.mapOf(k).delete(path) || any;
    return any;
  }

  has(kind: WatchKind, path: string): boolean {
    return this.mapOf(kind).has(path);
  }

  /**
   * Removes every persistent watch and returns them, one entry per path, kind and watcher, for their
   * owners to be told: the server of this connection cannot hold them (older than 3.6), so they
   * will not fire again, and must not be sent to any server later.
   */
  dropPersistent(): DroppedWatch[] {
    const out: DroppedWatch[] = [];
    for (const kind of ['persistent', 'persistentRecursive'] as const) {
      for (const [path, set] of this.persistentKinds[kind]) for (const watcher of set) out.push({ kind, path, watcher });
      this.persistentKinds[kind].clear();
    }
    return out;
  }

  /** The paths per kind: what SetWatches / SetWatches2 re-registers after a reconnect. */
  lists(): WatchLists {
    const keys = (k: WatchKind): string[] => [...this.mapOf(k).keys()];
    return {
      data: keys('data'),
      exist: keys('exist'),
      child: keys('child'),
      persistent: keys('persistent'),
      persistentRecursive: keys('persistentRecursive'),
    };
  }

  get size(): number {
    let n = 0;
    for (const m of [...Object.values(this.oneShot), ...Object.values(this.persistentKinds)]) n += m.size;
    return n;
  }

  /** The session ended: its watches are gone on the server, and none of them will ever fire. */
  clear(): void {
    for (const m of [...Object.values(this.oneShot), ...Object.values(this.persistentKinds)]) m.clear();
  }
}

function addTo<W>(map: Map<string, Set<W>>, path: string, watcher: W): void {
  let set = map.get(path);
  if (set === undefined) map.set(path, (set = new Set()));
  set.add(watcher);
}

function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}
