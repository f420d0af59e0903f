import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Builds the package into a temporary copy laid out as `npm pack` ships it (bin, dist, package.json,
 * no src), with the dependencies linked in. Returns the path of its bin/dynauth.js.
 */
export function publishedLayout(): string {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const target = mkdtempSync(join(tmpdir(), 'dynauth-published-'));
  execFileSync(process.execPath, [join(root, 'node_modules/rolldown/bin/cli.mjs'), '-c', join(root, 'rolldown.config.ts'), '-d', join(target, 'dist')], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  cpSync(join(root, 'bin'), join(target, 'bin'), { recursive: true });
  cpSync(join(root, 'package.json'), join(target, 'package.json'));
  symlinkSync(join(root, 'node_modules'), join(target, 'node_modules'));
  return join(target, 'bin', 'dynauth.js');
}

export function removePublishedLayout(bin: string): void {
  rmSync(dirname(dirname(bin)), { recursive: true, force: true });
}
