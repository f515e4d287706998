// Bundles the CLI into dist/membrane.mjs (one file, fast start). The daemon side (`agent`,
// `demo`: native addon, kernel) is not bundled; the CLI loads it from source when needed.
import { build } from 'esbuild';

await build({
  entryPoints: ['src/cli/entry.ts'],
  outfile: 'dist/membrane.mjs',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  external: ['tsx', 'tsx/*', '*.node', '@membrane/datapath'],
  banner: {
    js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  },
  logLevel: 'warning',
  legalComments: 'none',
});
