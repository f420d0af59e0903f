// Preloaded with --import: writes every module URL the process resolves to $RECORD_IMPORTS_FILE.
import { registerHooks } from 'node:module';
import { appendFileSync } from 'node:fs';

const file = process.env.RECORD_IMPORTS_FILE;
registerHooks({
  resolve(specifier, context, nextResolve) {
    const result = nextResolve(specifier, context);
    if (file) appendFileSync(file, `${result.url}\n`);
    return result;
  },
});
