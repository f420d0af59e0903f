import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Compiles the package into a temporary copy laid out as the published one (bin, dist, no src). */
export async function publishedLayout(): Promise<string> {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const target = mkdtempSync(join(tmpdir(), 'dynauth-published-'));
  execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json'), '--outDir', join(target, 'dist')], { stdio: 'inherit' });
  cpSync(join(root, 'bin'), join(target, 'bin'), { recursive: true });
  cpSync(join(root, 'package.json'), join(target, 'package.json'));
  symlinkSync(join(root, 'node_modules'), join(target, 'node_modules'));
  return join(target, 'bin', 'dynauth.js');
}

export function removePublishedLayout(bin: string): void {
  rmSync(dirname(dirname(bin)), { recursive: true, force: true });
}
