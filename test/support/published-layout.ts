import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Builds the package into a temporary copy laid out as `npm pack` ships it (bin, dist, package.json,
 * no src), with only its runtime dependencies (and theirs) linked in, as `npm install` of the
 * tarball would give: the bundle must load nothing else. Returns the path of its bin/dynauth.js.
 */
export function publishedLayout(): string {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const target = mkdtempSync(join(tmpdir(), 'dynauth-published-'));
  execFileSync(
    process.execPath,
    [join(root, 'node_modules/rolldown/bin/cli.mjs'), '-c', join(root, 'rolldown.config.ts'), '-d', join(target, 'dist')],
    {
      cwd: root,
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  cpSync(join(root, 'bin'), join(target, 'bin'), { recursive: true });
  cpSync(join(root, 'package.json'), join(target, 'package.json'));
  linkRuntimeDependencies(join(root, 'node_modules'), join(target, 'node_modules'), join(root, 'package.json'));
  return join(target, 'bin', 'dynauth.js');
}

export function removePublishedLayout(bin: string): void {
  rmSync(dirname(dirname(bin)), { recursive: true, force: true });
}

/** Links each of the package's dependencies (and theirs, optional ones included when installed) from `from` into `to`. */
function linkRuntimeDependencies(from: string, to: string, manifest: string): void {
  const pending = dependencyNames(manifest);
  const linked = new Set<string>();
  for (let name = pending.shift(); name !== undefined; name = pending.shift()) {
    if (linked.has(name) || !existsSync(join(from, name))) continue;
    linked.add(name);
    mkdirSync(dirname(join(to, name)), { recursive: true });
    symlinkSync(join(from, name), join(to, name));
    pending.push(...dependencyNames(join(from, name, 'package.json')));
  }
}

function dependencyNames(manifest: string): string[] {
  const data = JSON.parse(readFileSync(manifest, 'utf8')) as { dependencies?: object; optionalDependencies?: object };
  return [...Object.keys(data.dependencies ?? {}), ...Object.keys(data.optionalDependencies ?? {})];
}
