// npm run docs: the API reference, generated from the doc comments of what dist/index.d.ts exports.
// API Extractor (its own TypeScript; TypeDoc needs the TypeScript 5 compiler API, which typescript@7
// does not have) checks the exports with every message as an error (api-extractor.json): an export
// without a doc comment (ae-undocumented) or a doc comment TSDoc cannot parse fails the run. Then
// API Documenter writes the reference as markdown into docs/api/ (not committed: see docs/api.md).
// Expects dist/ to be built (the npm script builds it first).
import { createRequire } from 'node:module';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { Extractor, ExtractorConfig } = require('@microsoft/api-extractor');

const config = ExtractorConfig.loadFileAndPrepare(join(root, 'api-extractor.json'));
let warnings = 0;
const result = Extractor.invoke(config, {
  localBuild: true,
  messageCallback(message) {
    // The API report is written to build/ only because ae-undocumented needs it: that it was
    // created or changed says nothing.
    if (message.messageId.startsWith('console-api-report')) {
      message.handled = true;
      return;
    }
    if (message.logLevel === 'warning') warnings++;
  },
});
if (!result.succeeded || warnings > 0) {
  console.error(
    `api-docs: ${result.errorCount} error(s), ${warnings} warning(s) above; every export needs a doc comment that TSDoc can parse`,
  );
  process.exit(1);
}

// A type the API uses that index.ts does not export cannot be named by users nor linked here: a failure.
const report = readFileSync(join(root, 'build/api/kafka-zk-registrar.api.md'), 'utf8');
const forgotten = [...new Set([...report.matchAll(/\(ae-forgotten-export\) The symbol "(\w+)"/g)].map((m) => m[1]))];
if (forgotten.length > 0) {
  console.error(`api-docs: used by the API but not exported from src/index.ts: ${forgotten.join(', ')}`);
  process.exit(1);
}

const documenter = join(dirname(require.resolve('@microsoft/api-documenter/package.json')), 'bin', 'api-documenter');
const out = spawnSync(process.execPath, [documenter, 'markdown', '-i', join(root, 'build/api'), '-o', join(root, 'docs/api')], {
  stdio: ['ignore', 'ignore', 'inherit'],
});
if (out.status !== 0) process.exit(out.status ?? 1);
console.log('api-docs: docs/api/index.md written');
