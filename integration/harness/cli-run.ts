// The sidecar CLI (dist/cli/main.js) run to completion: exit code, stdout, stderr.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
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
