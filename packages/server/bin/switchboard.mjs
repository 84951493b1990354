#!/usr/bin/env node
/**
 * The `switchboard` command. Installed from the package, it runs the bundled CLI, dist/cli.mjs
 * (built and shipped by `npm pack`). In a checkout of the repository, where the sources sit next
 * to it, it first rebuilds that bundle when it is missing or older than the sources
 * (scripts/build-server.mjs, about a second), so `npx switchboard` always runs the working tree;
 * should that build fail, it runs the TypeScript sources through tsx instead.
 */
import { existsSync } from 'node:fs';

const bundle = new URL('../dist/cli.mjs', import.meta.url);
const sources = new URL('../src/cli.ts', import.meta.url);
const builder = new URL('../../../scripts/build-server.mjs', import.meta.url);

let entry = bundle;
if (existsSync(sources) && existsSync(builder)) {
  const { ensureServerBuild } = await import(builder.href);
  if (!(await ensureServerBuild({ log: (m) => process.stderr.write(`${m}\n`) }))) {
    process.stderr.write('switchboard: running the TypeScript sources instead.\n');
    const { register } = await import('tsx/esm/api');
    register();
    entry = sources;
  }
}
// The CLI runs on import: it reads its arguments from process.argv and exits with its status.
await import(entry.href);
