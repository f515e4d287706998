#!/usr/bin/env node
// `membrane`: runs the esbuild bundle (fast start; the CLI is called many times by scripts and
// tests) when it is newer than the sources, otherwise the TypeScript sources through tsx.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const bundle = `${root}dist/membrane.mjs`;

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.endsWith('.test.ts')) continue;
    const path = `${dir}/${entry.name}`;
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function bundleFresh() {
  if (process.env.MEMBRANE_FROM_SOURCE || !existsSync(bundle)) return false;
  // Tests build the bundle once and then call the CLI many times while sources may still change.
  if (process.env.MEMBRANE_BUNDLE === '1') return true;
  const built = statSync(bundle).mtimeMs;
  const sources = [`${root}src`, `${root}../../packages/api/src`, `${root}../../packages/policy/src`];
  return sources.every((dir) => !existsSync(dir) || newestMtime(dir) <= built);
}

if (bundleFresh()) {
  await import(pathToFileURL(bundle).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(`${root}src/cli/entry.ts`).href);
}
