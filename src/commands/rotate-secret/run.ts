import type { Deps } from '../../deps.ts';
import { DynauthError } from '../../cli/errors.ts';

export async function run(deps: Deps): Promise<number> {
  await deps.cloud();
  throw new DynauthError('dynauth rotate-secret is not implemented yet.', { hint: 'It lands in a coming release; see the README for what works today.' });
}
