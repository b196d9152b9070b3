// One naive registrar (NodeExists = registered) in a process of its own, for the soak's control
// group: prints a JSON line whenever what it believes changes, stops on SIGTERM.
import { NaiveRegistrar } from '../integration/harness/naive-registrar.js';

const [connect, id, timeout] = process.argv.slice(2);
if (connect === undefined || id === undefined) {
  process.stderr.write('usage: naive-child <connect> <brokerId> [sessionTimeoutMs]\n');
  process.exit(2);
}
const path = `/brokers/ids/${id}`;
const r = new NaiveRegistrar(
  connect,
  path,
  Buffer.from(
    JSON.stringify({
      version: 5,
      host: null,
      port: -1,
      endpoints: [`PLAINTEXT://127.0.0.1:${9000 + Number(id)}`],
      jmx_port: -1,
      timestamp: String(Date.now()),
      features: {},
    }),
  ),
  Number(timeout ?? 4000),
);
let last = '';
const report = (): void => {
  const line = JSON.stringify({ registered: r.registered, sessionId: r.connection.session?.id ?? null });
  if (line !== last) process.stdout.write(`${line}\n`);
  last = line;
};
r.connection.on('session', () => setImmediate(report));
r.connection.on('expired', report);
const poll = setInterval(report, 100);
process.on('SIGTERM', () => {
  clearInterval(poll);
  void r.stop().then(() => process.exit(0));
});
void r.start().then(report, (err: Error) => {
  process.stderr.write(`naive registrar ${id}: ${err.message}\n`);
  process.exit(1);
});
