import type { Deps } from '../../deps.ts';
import { DynauthError } from '../../cli/errors.ts';

export async function run(_deps: Deps): Promise<number> {
  throw new DynauthError('dynauth sandbox is not implemented yet.');
}
