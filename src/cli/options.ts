import { Option, type Command } from 'commander';
import { UsageError } from './errors.ts';

// Environment twins are applied by us, not by commander's .env(), which reads process.env
// directly: the environment must stay injectable so that commands run in tests in-process.
const environmentNames = new WeakMap<Option, string>();
const repeatable = new WeakSet<Option>();

export function option(flags: string, description: string, environmentName?: string): Option {
  const option = new Option(flags, environmentName ? `${description} [env: ${environmentName}]` : description);
  if (environmentName) environmentNames.set(option, environmentName);
  return option;
}

/** A flag that may be given several times (`--role A --role B`); its env twin is comma-separated. */
export function repeatableOption(flags: string, description: string, environmentName?: string): Option {
  const created = option(flags, `${description} (repeatable)`, environmentName).argParser(collect);
  repeatable.add(created);
  return created;
}

export function applyEnvironment(command: Command, env: Record<string, string | undefined>): void {
  for (let current: Command | null = command; current; current = current.parent) {
    for (const option of current.options) {
      const name = environmentNames.get(option);
      const raw = name ? env[name] : undefined;
      if (!name || raw === undefined) continue;
      const key = option.attributeName();
      const source = current.getOptionValueSource(key);
      if (source !== undefined && source !== 'default') continue;
      current.setOptionValueWithSource(key, environmentValue(option, name, raw), 'env');
    }
  }
}

function environmentValue(option: Option, name: string, raw: string): unknown {
  // Commander's isBoolean() is false for a --no-<flag>: it is a switch all the same.
  if (option.isBoolean() || option.negate) {
    const value = parseBoolean(raw, name);
    return option.negate ? !value : value;
  }
  const values =
    option.variadic || repeatable.has(option)
      ? raw
          .split(',')
          .map((v) => v.trim())
          .filter(Boolean)
      : [raw];
  const choices = option.argChoices;
  const wrong = choices && values.find((v) => !choices.includes(v));
  if (wrong) throw new UsageError(`${name}=${wrong} is not one of: ${choices.join(', ')}`);
  return option.variadic || repeatable.has(option) ? values : values[0];
}

/** Whether an environment variable's value reads as true (see parseBoolean). */
export function isTrueWord(raw: string | undefined): boolean {
  return ['1', 'true', 'yes', 'on'].includes((raw ?? '').trim().toLowerCase());
}

function parseBoolean(raw: string, name: string): boolean {
  const value = raw.trim().toLowerCase();
  if (isTrueWord(value)) return true;
  if (['', '0', 'false', 'no', 'off'].includes(value)) return false;
  throw new UsageError(`${name} must be true or false, not "${raw}"`);
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
