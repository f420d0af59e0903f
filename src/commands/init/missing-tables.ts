import { UsageError } from '../../cli/errors.ts';
import type { Deps } from '../../deps.ts';
import { privilegesInWords, tablesOf } from '../../roles/presets.ts';
import type { InitFlags } from './flags.ts';
import type { Discovery } from './model.ts';

/**
 * An environment without Dynamics 365 apps has no Case, Lead… tables, so the preset's role cannot
 * get their privileges. Nothing has been made yet: the run stops (a usage error naming the ways
 * out) unless --skip-missing-tables, or a yes in a terminal, lets the role go without them.
 */
export async function settleMissingTables(
  deps: Pick<Deps, 'prompter' | 'canPrompt'>,
  flags: Pick<InitFlags, 'skipMissingTables' | 'yes'>,
  found: Discovery,
): Promise<void> {
  const lacking = found.environments.filter((environment) => environment.unavailablePrivileges.length);
  if (!lacking.length || flags.skipMissingTables) return;
  const roleName = lacking[0]!.roles[0]?.name ?? 'the role';
  const missing = lacking.map((environment) => {
    const tables = tablesOf(environment.unavailablePrivileges);
    return `${environment.target.displayName} has no ${tables.join(', ')} table${tables.length > 1 ? 's' : ''}`;
  });
  const privileges = privilegesInWords([...new Set(lacking.flatMap((environment) => environment.unavailablePrivileges))]);
  if (deps.canPrompt && !flags.yes) {
    const leaveOut = await deps.prompter.confirm({
      message: `${missing.join('; ')} (the Dynamics 365 apps that bring them are not installed there). Make "${roleName}" without ${privileges}?`,
      default: false,
    });
    if (leaveOut) return;
  }
  throw new UsageError(`${missing.join('; ')}, so "${roleName}" cannot get ${privileges}. Nothing was changed.`, {
    hint: `Pass --skip-missing-tables to make the role without them (the plan says so), or assign a role that exists there with --role "<existing role>".`,
    code: 'missing-tables',
  });
}
