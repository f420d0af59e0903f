// The test runner behind `npm test` (started through test/with-keyring.ts): runs
// test/**/*.test.ts with `node --test`, passing extra arguments through (options such as
// --test-name-pattern=…; file arguments replace the default set).
import { spawn } from 'node:child_process';
import { globSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const args = process.argv.slice(2);
const positional = args.filter((arg) => !arg.startsWith('-'));
const options = args.filter((arg) => arg.startsWith('-'));
const files = positional.length > 0 ? positional : globSync('test/**/*.test.ts', { cwd: ROOT }).sort();
if (files.length === 0) {
  console.error('run: no test files found under test/');
  process.exitCode = 1;
} else {
  const child = spawn(process.execPath, [...process.execArgv, '--test', ...options, ...files], { cwd: ROOT, stdio: 'inherit' });
  child.on('exit', (code, signal) => (process.exitCode = code ?? (signal === null ? 1 : 128)));
}
