#!/usr/bin/env node
// Built-in modules are taken as Node's CommonJS objects: an ES-module import of one reads every
// export, and some exports are getters that load more of Node.
const { existsSync, readFileSync } = process.getBuiltinModule?.('node:fs') ?? (await import('node:fs'));

const args = process.argv.slice(2);
// A reader that stops early (`dynauth --help | head`) is not an error.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  // Answered before any module loads: `dynauth --version` stays as quick as bare Node.
  process.stdout.write(`${packageVersion()}\n`);
} else if (!supportedNode(process.versions.node)) {
  process.stderr.write(`dynauth needs Node.js 22.22.2+, 24.15+ or 26+ (this is ${process.versions.node}).\n`);
  process.exitCode = 1;
} else {
  const code = await run();
  // Everything the command started has ended. Exiting at once, once the output is flushed, skips
  // Node's orderly teardown of the heap and handles (~6 ms of an init run).
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  process.exit(code);
}

function flushed(stream) {
  return new Promise((resolve) => (stream.writable ? stream.write('', () => resolve()) : resolve()));
}

async function run() {
  // From a clone the TypeScript source runs directly (Node strips the types), with Node's own
  // compile cache; the published package ships the bundled dist/ (Node does not strip types under
  // node_modules), loaded with the code caches of src/code-cache.ts.
  const source = new URL('../src/main.ts', import.meta.url);
  if (existsSync(source)) {
    process.getBuiltinModule('node:module').enableCompileCache?.();
    return (await import(source.href)).main(args, process);
  }
  const require = process.getBuiltinModule('node:module').createRequire(import.meta.url);
  const cache = process.env.NODE_DISABLE_COMPILE_CACHE ? undefined : withCodeCache(require);
  const code = await require('../dist/main.cjs').main(args, process);
  // A failed run or a help screen ran too little of the command to be worth keeping.
  if (code === 0 && !args.some((arg) => arg === '--help' || arg === '-h')) cache?.save();
  return code;
}

/** The code caches make later runs quicker; when they cannot be had, dynauth runs without them. */
function withCodeCache(require) {
  try {
    const { installCodeCache, defaultCodeCacheDir } = require('../dist/code-cache.cjs');
    const dist = process.getBuiltinModule('node:url').fileURLToPath(new URL('../dist/', import.meta.url));
    return installCodeCache({ dist, dir: defaultCodeCacheDir(packageVersion(), args) });
  } catch {
    return undefined;
  }
}

function packageVersion() {
  return JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;
}

/** The engines range of package.json, which the dependencies themselves require. */
function supportedNode(version) {
  const [major, minor, patch] = version.split('.').map(Number);
  if (major === 22) return minor > 22 || (minor === 22 && patch >= 2);
  if (major === 24) return minor >= 15;
  return major >= 26;
}
