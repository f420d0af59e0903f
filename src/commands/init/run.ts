import type { Deps } from '../../deps.ts';
import { DynauthError } from '../../cli/errors.ts';

export async function run(deps: Deps): Promise<number> {
  await deps.cloud();
  throw new DynauthError('dynauth init is not implemented yet.');
}
