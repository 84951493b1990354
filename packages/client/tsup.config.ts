import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', node: 'src/node.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  // Node 18 and every current browser; nothing newer is used.
  target: 'es2022',
  platform: 'neutral',
  external: ['node:fs'],
  treeshake: true,
});
