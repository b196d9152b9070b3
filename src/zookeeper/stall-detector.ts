// Notices that this process's event loop was frozen (SIGSTOP, a debugger, a long synchronous task, a
// starved container). Our ZooKeeper client does its socket I/O on the event loop, so while it is frozen no
// ping leaves and no answer is read: after a freeze longer than the session timeout the server has
// expired (or is about to expire) the session, whatever the handle still believes.
import { performance } from 'node:perf_hooks';

export class StallDetector {
  private last = performance.now();
  private timer: NodeJS.Timeout | undefined;

  /** @param tickMs how often the loop is sampled while running; `onTick` runs the check. */
  constructor(
    private readonly tickMs: number,
    private readonly onTick: () => void,
  ) {}

  start(): void {
    if (this.timer !== undefined) return;
    this.last = performance.now();
    this.timer = setInterval(this.onTick, this.tickMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * Milliseconds the loop was frozen since it was last sampled, never more than it really was: the
   * silence beyond one tick (a sample taken between ticks sees less than a tick and reports 0).
   */
  sample(): number {
    const now = performance.now();
    const silent = now - this.last;
    this.last = now;
    return Math.max(0, silent - this.tickMs);
  }
}
