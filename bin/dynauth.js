#!/usr/bin/env node
import { existsSync, readFileSync } from 'node:fs';
import { enableCompileCache } from 'node:module';

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  // Answered before any module loads: `dynauth --version` stays as quick as bare Node.
  const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  process.stdout.write(`${version}\n`);
} else {
  // V8's on-disk code cache (Node's own, in the OS temp dir) makes every later start faster.
  enableCompileCache?.();
  // From a clone the TypeScript source runs directly (Node strips the types); the published
  // package ships the compiled dist/, because Node does not strip types under node_modules.
  const source = new URL('../src/main.ts', import.meta.url);
  const entry = existsSync(source) ? source : new URL('../dist/main.js', import.meta.url);
  const { main } = await import(entry.href);
  process.exitCode = await main(args, process);
}
