import type { Readable, Writable } from 'node:stream';
import { CancelledError } from '../cli/errors.ts';
import { toTerminalText } from '../util/terminal-text.ts';

export interface Choice<T> {
  name: string;
  value: T;
  description?: string;
}

/** The prompts a command may ask; all go to stderr so stdout carries only the result. */
export interface Prompter {
  input(question: { message: string; default?: string; validate?: (value: string) => string | true }): Promise<string>;
  password(question: { message: string; validate?: (value: string) => string | true }): Promise<string>;
  select<T>(question: { message: string; choices: Choice<T>[]; default?: T }): Promise<T>;
  checkbox<T>(question: { message: string; choices: Array<Choice<T> & { checked?: boolean }>; required?: boolean }): Promise<T[]>;
  confirm(question: { message: string; default?: boolean }): Promise<boolean>;
}

export function createInquirerPrompter(streams: { input: Readable; output: Writable }, signal: AbortSignal): Prompter {
  const context = { input: streams.input, output: streams.output, signal, clearPromptOnDone: false };
  const load = () => import('@inquirer/prompts');
  const cancellable = async <T>(ask: () => Promise<T>): Promise<T> => {
    try {
      return await ask();
    } catch (error) {
      if (error instanceof Error && (error.name === 'ExitPromptError' || error.name === 'AbortPromptError')) throw new CancelledError();
      throw error;
    }
  };
  // Questions and choices show names from Entra and Dataverse: shown without their control characters, as the UI's lines are.
  const text = (value: string) => toTerminalText(value, { keepStyle: true });
  const shown = <C extends Choice<unknown>>(choices: C[]): C[] =>
    choices.map((choice) => ({
      ...choice,
      name: text(choice.name),
      ...(choice.description === undefined ? {} : { description: text(choice.description) }),
    }));
  const said = (validate: ((value: string) => string | true) | undefined) =>
    validate &&
    ((value: string) => {
      const verdict = validate(value);
      return verdict === true ? true : text(verdict);
    });
  return {
    input: (q) =>
      cancellable(async () => (await load()).input({ message: text(q.message), default: q.default, validate: said(q.validate) }, context)),
    password: (q) =>
      cancellable(async () => (await load()).password({ message: text(q.message), mask: '*', validate: said(q.validate) }, context)),
    select: (q) =>
      cancellable(async () => (await load()).select({ message: text(q.message), choices: shown(q.choices), default: q.default }, context)),
    checkbox: (q) =>
      cancellable(async () =>
        (await load()).checkbox({ message: text(q.message), choices: shown(q.choices), required: q.required }, context),
      ),
    confirm: (q) => cancellable(async () => (await load()).confirm({ message: text(q.message), default: q.default }, context)),
  };
}

/** Used when nothing may prompt: asking is a bug, because missing answers are collected first. */
export const noPrompter: Prompter = {
  input: refuse,
  password: refuse,
  select: refuse,
  checkbox: refuse,
  confirm: refuse,
};

function refuse(): never {
  throw new Error('internal error: a prompt was attempted without a terminal');
}
