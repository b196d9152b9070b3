#!/usr/bin/env node
// Fails (exit 1) when the modules under src/ import each other in a cycle, type-only imports
// included: the folder tree is the design, and its arrows point one way.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

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

const show = (c) => c.map((f) => relative(root, f)).join(' -> ');
if (cycles.length > 0) {
  console.error(`import cycles under ${relative(process.cwd(), root) || '.'}:\n${cycles.map((c) => `  ${show(c)}`).join('\n')}`);
  process.exit(1);
}
console.log(`check-cycles: ${files.length} modules under ${relative(process.cwd(), root) || '.'}, no import cycle`);
