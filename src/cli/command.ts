import type { Command } from 'commander';
import type { Deps } from '../deps.ts';

export interface CommandModule {
  run(deps: Deps, options: Record<string, unknown>, args: string[]): Promise<number>;
}

export type Invoke = (load: () => Promise<CommandModule>) => (...actionArgs: unknown[]) => Promise<void>;

export type CommandRegistrar = (program: Command, invoke: Invoke) => void;
