import { defineConfig } from 'rolldown';

// The published package: src/ and its dependencies bundled into a few files in dist/. A start that
// resolves and reads hundreds of modules (MSAL and its helpers alone are dozens) costs more than
// several of the network calls init waits for. Commands stay separate chunks, loaded only when run;
// every chunk lies directly in dist/, which src/package-files.ts and the keyring worker rely on.
export default defineConfig({
  input: { main: 'src/main.ts', 'keyring-worker': 'src/secrets/keyring-worker.ts' },
  platform: 'node',
  // The keyring's native addon is resolved at run time from its platform package.
  external: [/^node:/, '@napi-rs/keyring'],
  output: { dir: 'dist', format: 'esm', entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js', cleanDir: true },
});
