import { createRequire } from 'node:module';
import { defineConfig, type Plugin } from 'rolldown';

// The published package: src/ and its dependencies bundled into a few files in dist/. A start that
// resolves and reads hundreds of modules (MSAL and its helpers alone are dozens) costs more than
// several of the network calls init waits for. Commands stay separate chunks, loaded only when run;
// every chunk lies directly in dist/, which src/package-files.ts and the keyring worker rely on.
//
// Node's fetch implementation (undici, ~25 ms to load) is needed only once dynauth calls Graph,
// BAP or Dataverse, which happens while the sign-in waits on the network. Two things in the bundle
// would load it before the first request instead; both are avoided below.
const THROUGH_REQUIRE = ['http'];

export default defineConfig({
  input: { main: 'src/main.ts', 'keyring-worker': 'src/secrets/keyring-worker.ts' },
  platform: 'node',
  // The keyring's native addon is resolved at run time from its platform package.
  external: (id) => (id.startsWith('node:') && !THROUGH_REQUIRE.includes(id.slice(5))) || id === '@napi-rs/keyring',
  plugins: [builtinsThroughRequire(THROUGH_REQUIRE), formDataCheckOnObjectsOnly()],
  output: { dir: 'dist', format: 'esm', entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js', cleanDir: true },
});

/**
 * Node's ES-module face of node:http reads every export once, and its lazy WebSocket getter loads
 * undici. The CommonJS module does not: named exports are its plain values, the default export is
 * the module itself (so getters such as globalAgent stay live).
 */
function builtinsThroughRequire(names: string[]): Plugin {
  const prefix = '\0builtin-through-require:';
  const require = createRequire(import.meta.url);
  return {
    name: 'builtins-through-require',
    resolveId(id) {
      const name = id.replace(/^node:/, '');
      return names.includes(name) ? `${prefix}${name}` : undefined;
    },
    load(id) {
      if (!id.startsWith(prefix)) return undefined;
      const name = id.slice(prefix.length);
      const module = require(`node:${name}`) as Record<string, unknown>;
      const plain = Object.keys(module).filter((key) => /^[A-Za-z_$][\w$]*$/.test(key) && 'value' in Object.getOwnPropertyDescriptor(module, key)!);
      return [
        `import { createRequire } from 'node:module';`,
        `const module = createRequire(import.meta.url)('node:${name}');`,
        `export default module;`,
        `export const { ${plain.join(', ')} } = module;`,
      ].join('\n');
    },
  };
}

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
