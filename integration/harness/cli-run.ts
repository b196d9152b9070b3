// The sidecar CLI (dist/cli/main.js) as users run it: to completion (exit code, stdout, stderr), or
// as a long-running process whose JSON event lines a test waits for one by one.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { within } from './wait.js';

export const CLI = join(__dirname, '..', '..', '..', 'dist', 'cli', 'main.js');

export async function runCli(args: readonly string[], timeoutMs = 30_000): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const [code] = (await within(once(child, 'exit'), timeoutMs, `kafka-zk-registrar ${args[0] ?? ''} to exit`)) as [number | null];
  return { code, out, err };
}

export interface CliRun {
  readonly child: ChildProcess;
  /** Every line printed so far, taken or not. */
  readonly printed: readonly Record<string, unknown>[];
  /** Everything written to stderr so far. */
  stderr(): string;
  /** The next line (after the ones already taken) whose `event` is `event`. */
  next(event: string, timeoutMs: number): Promise<Record<string, unknown>>;
  exit(): Promise<number | null>;
}

/**
 * Starts the CLI; `owner.track` kills it (by its pid, SIGKILL) after the file's tests if it is still
 * running then.
 */
export function startCli(
  args: readonly string[],
  owner: { track(thing: { stop(): Promise<void> }): unknown },
  env: Readonly<Record<string, string>> = {},
): CliRun {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const lines: Record<string, unknown>[] = [];
  const printed: Record<string, unknown>[] = [];
  const waiters: (() => void)[] = [];
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (l) => {
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(l) as Record<string, unknown>;
    } catch {
      parsed = { event: 'raw', line: l };
    }
    lines.push(parsed);
    printed.push(parsed);
    for (const w of waiters.splice(0)) w();
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  owner.track({ stop: async () => void (child.exitCode === null && child.pid !== undefined && process.kill(child.pid, 'SIGKILL')) });
  return {
    child,
    printed,
    stderr: () => err,
    exit: () => within(exited, 20_000, 'the CLI to exit'),
    next: (event, timeoutMs) =>
      within(
        (async () => {
          for (;;) {
            const i = lines.findIndex((l) => l.event === event);
            if (i >= 0) return lines.splice(0, i + 1)[i] as Record<string, unknown>;
            await new Promise<void>((r) => waiters.push(r));
          }
        })(),
        timeoutMs,
        `the CLI to print a '${event}' line`,
      ),
  };
}
