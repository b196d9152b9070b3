#!/usr/bin/env node
// Fails (exit 1) when the modules under src/ import each other in a cycle, or a module imports one
// of a higher layer (LAYERS, below), type-only imports included: the folder tree is the design, and
// its arrows point one way, down.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const root = resolve(process.argv[2] ?? 'src');
const files = [];
(function walk(dir) {
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) walk(p);
    else if (f.endsWith('.ts')) files.push(p);
  }
})(root);

const IMPORT = /^\s*(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]/gm;
const edges = new Map();
for (const f of files) {
  const deps = [];
  for (const m of readFileSync(f, 'utf8').matchAll(IMPORT)) deps.push(resolve(dirname(f), m[1].replace(/\.js$/, '.ts')));
  edges.set(f, deps);
}

const state = new Map(); // 1: on the stack, 2: done
const cycles = [];
function visit(f, stack) {
  state.set(f, 1);
  stack.push(f);
  for (const d of edges.get(f) ?? []) {
    if (state.get(d) === 1) cycles.push([...stack.slice(stack.indexOf(d)), d]);
    else if (state.get(d) === undefined && edges.has(d)) visit(d, stack);
  }
  stack.pop();
  state.set(f, 2);
}
for (const f of files) if (state.get(f) === undefined) visit(f, []);

// The layers, lowest first: a module may import its own layer and those below it, never above.
// Each entry is a path under src/ (a folder, or a file); the most specific match decides.
const LAYERS = [
  ['errors.ts', 'log.ts', 'util'],
  // values and options of the session layer, which the wire format and the client use
  ['zookeeper/types.ts', 'zookeeper/auth.ts', 'zookeeper/tls.ts'],
  ['zookeeper/protocol'],
  ['zookeeper/client'],
  ['zookeeper'],
  ['znodes'],
  ['recipes'],
  ['kafka-protocol'],
  ['confirmation'],
  ['registration'],
  ['audit'],
  ['operations'],
  ['testing'],
  ['cli'],
  ['index.ts'],
];
function layerOf(f) {
  const r = relative(root, f).split(sep).join('/');
  let best;
  LAYERS.forEach((entries, i) => {
    for (const e of entries)
      if ((r === e || r.startsWith(`${e}/`)) && (best === undefined || e.length > best.len)) best = { i, len: e.length };
  });
  return best?.i;
}
const upward = [];
const unplaced = [];
for (const [f, deps] of edges) {
  const from = layerOf(f);
  if (from === undefined) unplaced.push(f);
  for (const d of deps) {
    const to = layerOf(d);
    if (from !== undefined && to !== undefined && to > from) upward.push(`${relative(root, f)} -> ${relative(root, d)}`);
  }
}
if (unplaced.length > 0) {
  console.error(
    `modules in no layer (add them to LAYERS in scripts/check-cycles.mjs):\n${unplaced.map((f) => `  ${relative(root, f)}`).join('\n')}`,
  );
  process.exit(1);
}
if (upward.length > 0) {
  console.error(`imports pointing up a layer (see LAYERS in scripts/check-cycles.mjs):\n${upward.map((u) => `  ${u}`).join('\n')}`);
  process.exit(1);
}

const show = (c) => c.map((f) => relative(root, f)).join(' -> ');
if (cycles.length > 0) {
  console.error(`import cycles under ${relative(process.cwd(), root) || '.'}:\n${cycles.map((c) => `  ${show(c)}`).join('\n')}`);
  process.exit(1);
}
console.log(
  `check-cycles: ${files.length} modules under ${relative(process.cwd(), root) || '.'}, no import cycle, no import pointing up a layer`,
);
