#!/usr/bin/env node
import { existsSync, readFileSync } from 'node:fs';
import * as nodeModule from 'node:module';

const args = process.argv.slice(2);
// A reader that stops early (`dynauth --help | head`) is not an error.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  // Answered before any module loads: `dynauth --version` stays as quick as bare Node.
  const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  process.stdout.write(`${version}\n`);
} else if (!supportedNode(process.versions.node)) {
  process.stderr.write(`dynauth needs Node.js 22.22.2+, 24.15+ or 26+ (this is ${process.versions.node}).\n`);
  process.exitCode = 1;
} else {
  // V8's on-disk code cache (Node's own, in the OS temp dir) makes every later start faster.
  nodeModule.enableCompileCache?.();
  // From a clone the TypeScript source runs directly (Node strips the types); the published
  // package ships the compiled dist/, because Node does not strip types under node_modules.
  const source = new URL('../src/main.ts', import.meta.url);
  const entry = existsSync(source) ? source : new URL('../dist/main.js', import.meta.url);
  const { main } = await import(entry.href);
  process.exitCode = await main(args, process);
}

/** The engines range of package.json, which the dependencies themselves require. */
function supportedNode(version) {
  const [major, minor, patch] = version.split('.').map(Number);
  if (major === 22) return minor > 22 || (minor === 22 && patch >= 2);
  if (major === 24) return minor >= 15;
  return major >= 26;
}
