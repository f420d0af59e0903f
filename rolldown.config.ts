import { defineConfig, type Plugin } from 'rolldown';

// The published package: src/ and its dependencies bundled into a few files in dist/. A start that
// resolves and reads hundreds of modules (MSAL and its helpers alone are dozens) costs more than
// several of the network calls init waits for. Commands stay separate chunks, loaded only when run;
// every chunk lies directly in dist/, which src/package-files.ts and the keyring worker rely on.
//
// The chunks are CommonJS so that src/code-cache.ts can compile them with V8's code cache taken
// after a run, functions included (see there). CommonJS also takes Node's built-in modules as
// they are: an ES-module import of one reads every export, and getters among them load more of
// Node (http's WebSocket loads undici, ~25 ms, which is needed only once Graph or Dataverse is
// called, while the sign-in waits on the network).
export default defineConfig({
  input: { main: 'src/main.ts', 'keyring-worker': 'src/secrets/keyring-worker.ts', 'code-cache': 'src/code-cache.ts' },
  platform: 'node',
  // The keyring's native addon is resolved at run time from its platform package.
  external: ['@napi-rs/keyring'],
  plugins: [formDataCheckOnObjectsOnly()],
  output: { dir: 'dist', format: 'cjs', entryFileNames: '[name].cjs', chunkFileNames: '[name]-[hash].cjs', cleanDir: true },
});

/**
 * The Azure SDK's HTTP pipeline (under @azure/identity's sign-in requests) asks `typeof FormData`
 * of every request body, and that global is a getter that loads undici. Asking only of bodies that
 * are objects keeps the same meaning (a FormData is an object) without that cost for the string
 * and empty bodies MSAL sends. The build fails if a new version of the module reads otherwise.
 */
function formDataCheckOnObjectsOnly(): Plugin {
  const check = 'typeof FormData !== "undefined" && body instanceof FormData';
  return {
    name: 'form-data-check-on-objects-only',
    transform: {
      filter: { id: /[\\/]@typespec[\\/]ts-http-runtime[\\/]dist[\\/]esm[\\/]formData\.js$/ },
      handler(code, id) {
        if (!code.includes(check)) throw new Error(`${id} no longer reads "${check}": review formDataCheckOnObjectsOnly in rolldown.config.ts.`);
        return code.replace(check, `typeof body === "object" && body !== null && ${check}`);
      },
    },
  };
}

