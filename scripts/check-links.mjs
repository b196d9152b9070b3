// Every relative link in README.md, CONTRIBUTING.md and docs/ (not the generated docs/api/) must point
// at a file that exists, and a #fragment at a heading of that file (GitHub's slugs). Links in code
// spans and fenced blocks are not links. `node scripts/check-links.mjs`; runs in `npm test`'s pretest.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function markdownFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return p === join(root, 'docs', 'api') ? [] : markdownFiles(p);
    return e.name.endsWith('.md') ? [p] : [];
  });
}

/** The text outside fenced blocks and code spans. */
function prose(text) {
  return text.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '');
}

/** GitHub's heading anchors: lower case, punctuation dropped, blanks to hyphens, repeats numbered. */
function anchors(file) {
  const seen = new Map();
  const out = new Set();
  const text = readFileSync(file, 'utf8').replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
  for (const m of text.matchAll(/^#{1,6}\s+(.*?)\s*#*\s*$/gm)) {
    const base = m[1]
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

const files = [join(root, 'README.md'), join(root, 'CONTRIBUTING.md'), ...markdownFiles(join(root, 'docs'))].filter((f) => existsSync(f));
const broken = [];
let links = 0;
for (const file of files) {
  for (const m of prose(readFileSync(file, 'utf8')).matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
    const target = m[1];
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // http:, https:, mailto:
    links++;
    const [path, fragment] = target.split('#');
    const dest = path === '' ? file : resolve(dirname(file), decodeURI(path));
    const where = `${relative(root, file)}: ${target}`;
    if (!existsSync(dest)) broken.push(`${where} (no such file)`);
    else if (fragment !== undefined && statSync(dest).isFile() && dest.endsWith('.md') && !anchors(dest).has(fragment))
      broken.push(`${where} (no such heading)`);
  }
}
if (broken.length > 0) {
  console.error(`check-links: ${broken.length} broken link(s):\n${broken.map((b) => `  ${b}`).join('\n')}`);
  process.exit(1);
}
console.log(`check-links: ${links} relative links in ${files.length} files, all resolve`);
