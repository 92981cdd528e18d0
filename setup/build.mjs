#!/usr/bin/env node
/**
 * The production build: the JavaScript `npm start`, the systemd units and the Docker image run, so that no
 * TypeScript loader (tsx, its loader thread and its memory) runs in production.
 *
 *   node setup/build.mjs              build dist/ (npm run build)
 *   node setup/build.mjs --if-stale   build only when dist/ is missing or older than a file of src/, db/ or this script (npm start)
 *   node setup/build.mjs --check      build nothing; exit 1 with a message when dist/ is missing or stale (the systemd unit,
 *                                     which may not write dist/, refuses to start code older than the sources)
 *   node setup/build.mjs --out DIR    build into DIR instead of dist/ (a deployable copy; the code takes DIR's parent for the
 *                                     project root, where it reads views/, public/, package.json and node_modules/)
 *
 * Each .ts file of src/ and db/ (migrations, seeds) is transpiled on its own by esbuild (no bundle, no typecheck:
 * `npm run typecheck` does that) to the same place under the output folder: src/http/i18n.ts → dist/src/http/i18n.js.
 * Keeping every file's place keeps the paths the code resolves from import.meta.url: ../locales (the JSON files are
 * copied beside), ../db/seeds, knex's migration files, the crypto worker's thread file. dist/server.js starts the server.
 * A build clears what the previous one wrote, and writes its stamp (.build-stamp) last: a failed build leaves no stamp
 * and is done again by the next start. Exit status 1 when esbuild reports an error.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The source folders (relative to the root) the build mirrors. */
const SOURCES = ['src', 'db/migrations', 'db/seeds'];
const STAMP = '.build-stamp';

/** Every file under `dir` (relative to ROOT), with the folders themselves (a deleted file changes its folder's mtime). */
function walk(dir, out = []) {
  const abs = path.join(ROOT, dir);
  if (!fs.existsSync(abs)) return out;
  out.push(abs);
  for (const entry of fs.readdirSync(abs, { withFileTypes: true })) {
    const rel = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(rel, out);
    else out.push(path.join(ROOT, rel));
  }
  return out;
}

/** Whether `outDir` has no complete build, or one older than a source file, folder, or this script. */
function isStale(outDir, sources) {
  let built;
  try {
    built = fs.statSync(path.join(outDir, STAMP)).mtimeMs;
  } catch {
    return true;
  }
  return [...sources, fileURLToPath(import.meta.url)].some((f) => fs.statSync(f).mtimeMs > built);
}

/** Transpile the sources into `outDir`, copy the JSON files, write the server's entry and the stamp. */
async function buildInto(outDir, sources) {
  for (const dir of [STAMP, 'server.js', ...SOURCES.map((s) => s.split('/')[0])]) {
    fs.rmSync(path.join(outDir, dir), { recursive: true, force: true });
  }
  const ts = sources.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
  await build({
    entryPoints: ts, outbase: ROOT, outdir: outDir, format: 'esm', platform: 'node', target: 'node20',
    bundle: false, sourcemap: false, logLevel: 'warning', tsconfig: path.join(ROOT, 'tsconfig.json'),
  });
  const json = sources.filter((f) => f.endsWith('.json'));
  for (const f of json) {
    const to = path.join(outDir, path.relative(ROOT, f));
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.copyFileSync(f, to);
  }
  fs.writeFileSync(path.join(outDir, 'server.js'), "// Built by setup/build.mjs: the server's entry (npm start).\nimport './src/server.js';\n");
  fs.writeFileSync(path.join(outDir, STAMP), `${new Date().toISOString()}\n`);
  return { ts: ts.length, json: json.length };
}

const args = process.argv.slice(2);
const outAt = args.indexOf('--out');
const outDir = outAt >= 0 && args[outAt + 1] ? path.resolve(args[outAt + 1]) : path.join(ROOT, 'dist');
if (!path.relative(outDir, ROOT).startsWith('..')) {
  // The build clears src/ and db/ of its output folder: never the project's own.
  console.error(`build: refusing to build into ${outDir}, which holds the sources`);
  process.exit(2);
}
const sources = SOURCES.flatMap((s) => walk(s));
if (args.includes('--check')) {
  if (!isStale(outDir, sources)) process.exit(0);
  console.error(`build: ${outDir} is missing or older than the sources: run \`npm run build\` (after each \`git pull\` and \`npm ci\`)`);
  process.exit(1);
}
if (args.includes('--if-stale') && !isStale(outDir, sources)) process.exit(0);
const started = Date.now();
try {
  const n = await buildInto(outDir, sources);
  console.error(`build: ${n.ts} TypeScript files transpiled and ${n.json} JSON files copied into ${outDir} in ${Date.now() - started} ms`);
} catch (err) {
  // esbuild has already printed its messages.
  console.error(`build failed: ${err instanceof Error ? err.message.split('\n')[0] : err}`);
  process.exit(1);
}
