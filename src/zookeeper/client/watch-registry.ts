// The client's side of ZooKeeper watches (the Java client's ZKWatchManager). The server keeps one
// watch per path and kind for the session, and tells the client only "this happened on that path";
// which of our functions that concerns is recorded here. Keys are client paths (chroot stripped).
import type { WatchEventType, Watcher } from '../types.js';
import { EventType } from '../protocol/index.js';

/**
 * - data: set by getData, and by exists on a node that exists; fires on changed/deleted.
 * - exist: set by exists on a node that does not exist; fires on created.
 * - child: set by getChildren; fires on child/deleted.
 * - persistent / persistentRecursive: set by addWatch; never removed by firing.
 */
export type WatchKind = 'data' | 'exist' | 'child' | 'persistent' | 'persistentRecursive';

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
  private readonly byKind: Record<WatchKind, Map<string, Set<Watcher>>> = {
    data: new Map(),
    exist: new Map(),
    child: new Map(),
    persistent: new Map(),
    persistentRecursive: new Map(),
  };

  add(kind: WatchKind, path: string, watcher: Watcher): void {
    const map = this.byKind[kind];
    let set = map.get(path);
    if (set === undefined) map.set(path, (set = new Set()));
    set.add(watcher);
  }

  /**
   * The watchers an event concerns, in registration order, each once; one-shot watches are removed
   * from the registry here (at the point the server's event is read, so that a reply read after it
   * can set a fresh watch), persistent ones stay. As ZKWatchManager.materialize.
   */
  materialize(type: number, path: string): Watcher[] {
    const out = new Set<Watcher>();
    const take = (kind: WatchKind): void => {
      const set = this.byKind[kind].get(path);
      if (set === undefined) return;
      this.byKind[kind].delete(path);
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
    for (const w of this.byKind.persistent.get(path) ?? []) out.add(w);
    // A recursive watch covers its path and everything below it, but not child-list changes
    // (the server sends none for it: creations and deletions below are reported per node).
    if (type !== EventType.NodeChildrenChanged) {
      for (let p = path; ; p = parentOf(p)) {
        for (const w of this.byKind.persistentRecursive.get(p) ?? []) out.add(w);
        if (p === '/') break;
      }
    }
    return [...out];
  }

  /** Removes every watcher of these kinds on `path`; returns whether there was any. */
  remove(kinds: readonly WatchKind[], path: string): boolean {
    let any = false;
    for (const k of kinds) any = this.byKind[k].delete(path) || any;
    return any;
  }

  has(kind: WatchKind, path: string): boolean {
    return this.byKind[kind].has(path);
  }

  /** The paths per kind: what SetWatches / SetWatches2 re-registers after a reconnect. */
  lists(): WatchLists {
    const keys = (k: WatchKind): string[] => [...this.byKind[k].keys()];
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
    for (const m of Object.values(this.byKind)) n += m.size;
    return n;
  }

  /** The session ended: its watches are gone on the server, and none of them will ever fire. */
  clear(): void {
    for (const m of Object.values(this.byKind)) m.clear();
  }
}

function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}
