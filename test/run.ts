// The test runner behind `npm test` (started through test/with-keyring.ts): runs
// test/**/*.test.ts with `node --test`, passing extra arguments through (options such as
// --test-name-pattern=…; file arguments replace the default set).
import { spawn } from 'node:child_process';
import { globSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HOSTILE_COUNT_FILE, summarizeHostile } from './support/hostile.ts';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const args = process.argv.slice(2);
const positional = args.filter((arg) => !arg.startsWith('-'));
const options = args.filter((arg) => arg.startsWith('-'));
const files = positional.length > 0 ? positional : globSync('test/**/*.test.ts', { cwd: ROOT }).sort();
if (files.length === 0) {
  console.error('run: no test files found under test/');
  process.exitCode = 1;
} else {
  const countDir = mkdtempSync(join(tmpdir(), 'dynauth-hostile-'));
  const countFile = join(countDir, 'counts');
  const env = { ...process.env, [HOSTILE_COUNT_FILE]: countFile };
  const child = spawn(process.execPath, [...process.execArgv, '--test', ...options, ...files], { cwd: ROOT, stdio: 'inherit', env });
  child.on('exit', (code, signal) => {
    let counts = '';
    try {
      counts = readFileSync(countFile, 'utf8');
    } catch {
      // no hostile table ran
    }
    console.log(summarizeHostile(counts));
    rmSync(countDir, { recursive: true, force: true });
    process.exitCode = code ?? (signal === null ? 1 : 128);
  });
}
