// The names of the kit's temp dirs, and the sweep that removes those of dead processes. A process
// killed by a signal (SIGKILL, a runner ending its worker) runs no exit hook, so its dirs would stay
// in the OS temp dir for good; its JVMs die with it (jvm.ts), its dirs are removed by the next kit
// start on the machine instead. Each dir is named after the process that made it:
//   <prefix><pid>-<start>-XXXXXX     e.g. kzr-zk-4242-1234567-a1B2c3, kzr-kafka-4242-1234567-Qw3rTy
// where <start> is that process's start time as the kernel records it (Linux: clock ticks since
// boot, /proc/<pid>/stat), so that a process that later got the same pid is not taken for the owner;
// 'x' where there is no /proc (then only whether the pid is alive counts). A dir is removed only
// when its name has that form, it is a directory (not a link) of our own user, and its owner is gone:
// no such pid, a zombie, or a pid whose start time is not the one in the name.
import { lstatSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/** The kit's temp dir names: kzr-zk-, kzr-zk1- (ensemble member 1), kzr-kafka-, then pid, start time and mkdtemp's six characters. */
const OWNED = /^kzr-(?:zk\d?|kafka)-(\d+)-(\d+|x)-[A-Za-z0-9]{6}$/;

interface ProcStat {
  readonly state: string;
  /** Field 22 of /proc/<pid>/stat: the start time in clock ticks since boot, in decimal. */
  readonly start: string;
}

function procStat(pid: number): ProcStat | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces or parentheses itself.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const [state, start] = [fields[0], fields[19]];
    if (state === undefined || start === undefined || !/^\d+$/.test(start)) return undefined;
    return { state, start };
  } catch {
    return undefined;
  }
}

/** This process's start token: its start time in clock ticks since boot (Linux), else 'x'. */
export const OWN_START = procStat(process.pid)?.start ?? 'x';

/** The mkdtemp prefix of a kit temp dir of this process, e.g. `kzr-zk-4242-1234567-`. */
export function ownedPrefix(kind: string): string {
  return `${kind}${process.pid}-${OWN_START}-`;
}

/** True when the process that made a dir named with `pid` and `start` is gone. Unsure means no. */
export function ownerGone(pid: number, start: string): boolean {
  if (!Number.isSafeInteger(pid) || pid < 1) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: alive, another user's.
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
  const now = procStat(pid);
  if (now === undefined) return false;
  if (now.state === 'Z') return true; // killed, not yet reaped: runs nothing any more
  return start !== 'x' && now.start !== start;
}

/**
 * Removes the kit temp dirs in `root` whose owner process is gone (see the top of this file), and
 * returns their paths. Never throws: a dir another sweep removed first, or one that cannot be
 * removed, is left to the next.
 */
export function sweepOrphanedTempDirs(root: string): string[] {
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return [];
  }
  const uid = process.getuid?.();
  const removed: string[] = [];
  for (const name of names) {
    const m = OWNED.exec(name);
    if (m === null || !ownerGone(Number(m[1]), m[2] as string)) continue;
    const path = join(root, name);
    try {
      const st = lstatSync(path);
      if (!st.isDirectory() || (uid !== undefined && st.uid !== uid)) continue;
      rmSync(path, { recursive: true, force: true });
      removed.push(path);
    } catch {
      /* gone already, or not ours to remove */
    }
  }
  return removed;
}
