import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
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
  plugins: [formDataCheckOnObjectsOnly(), thirdPartyNotices()],
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
        if (!code.includes(check))
          throw new Error(`${id} no longer reads "${check}": review formDataCheckOnObjectsOnly in rolldown.config.ts.`);
        return code.replace(check, `typeof body === "object" && body !== null && ${check}`);
      },
    },
  };
}

/**
 * The bundle carries code of many packages, so the package ships their licence notices: every
 * package a chunk holds a module of, with its licence text, in THIRD_PARTY_NOTICES beside dist/.
 */
function thirdPartyNotices(): Plugin {
  return {
    name: 'third-party-notices',
    writeBundle(options, bundle) {
      const roots = new Set<string>();
      for (const output of Object.values(bundle)) {
        if (output.type !== 'chunk') continue;
        for (const id of output.moduleIds) {
          const root = packageRoot(id);
          if (root) roots.add(root);
        }
      }
      const notices = [...roots]
        .map((root) => ({
          root,
          manifest: JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string; version: string; license?: string },
        }))
        .sort((a, b) => a.manifest.name.localeCompare(b.manifest.name))
        .map(({ root, manifest }) => {
          const licence = readdirSync(root).find((name) => /^(licen[cs]e|copying)(\.|$)/i.test(name));
          const text = licence
            ? readFileSync(join(root, licence), 'utf8').trim()
            : `Licence: ${manifest.license ?? 'not stated'} (no licence file in the package).`;
          return `${manifest.name} ${manifest.version} (${manifest.license ?? 'licence not stated'})\n\n${text}\n`;
        });
      const header = `dynauth's published bundle (dist/) includes code from these ${notices.length} packages, under their own licences:\n`;
      writeFileSync(
        join(resolve(options.dir ?? 'dist'), '..', 'THIRD_PARTY_NOTICES'),
        `${header}\n${notices.join(`\n${'-'.repeat(72)}\n\n`)}`,
      );
    },
  };
}

/** The directory of the npm package a bundled module belongs to, or undefined for dynauth's own. */
function packageRoot(id: string): string | undefined {
  const at = id.lastIndexOf(`${sep}node_modules${sep}`);
  if (at === -1) return undefined;
  const rest = id.slice(at + '/node_modules/'.length).split(sep);
  const root = join(id.slice(0, at), 'node_modules', ...(rest[0]!.startsWith('@') ? rest.slice(0, 2) : rest.slice(0, 1)));
  return existsSync(join(root, 'package.json')) ? root : dirname(root);
}
