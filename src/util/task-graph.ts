// Work that runs side by side, written as what depends on what: each task names the tasks whose
// results it needs and starts the moment they have all succeeded, so the list of tasks, read top
// to bottom, is the order of the work.

type Results = Record<string, unknown>;
type Flat<T> = { [K in keyof T]: T[K] };

export interface TaskGraph<R extends Results> {
  /** Adds a task that starts once every task in `needs` (added before it) has succeeded. */
  task<N extends string, T, D extends keyof R & string = never>(
    name: N & Exclude<N, keyof R>,
    needs: readonly D[],
    work: (got: Flat<Pick<R, D>>) => T | PromiseLike<T>,
  ): TaskGraph<Flat<R & Record<N, T>>>;
  /**
   * Starts the tasks (those that need nothing at once, in the order added) and resolves to every
   * result by name. A failure does not stop the tasks beside it: once every task that started has
   * settled, it rejects with the failure of the earliest added task that failed (the same one
   * whichever answer came first); tasks needing a failed one never start.
   */
  run(): Promise<R>;
}

interface Task {
  name: string;
  needs: readonly string[];
  work: (got: Results) => unknown;
}

export function taskGraph(): TaskGraph<Record<never, never>> {
  return graphOf([]);
}

function graphOf<R extends Results>(tasks: readonly Task[]): TaskGraph<R> {
  return {
    task(name, needs, work) {
      if (tasks.some((task) => task.name === name)) throw new Error(`task "${name}" is added twice`);
      const unknown = needs.find((need) => !tasks.some((task) => task.name === need));
      if (unknown) throw new Error(`task "${name}" needs "${unknown}", which is not added before it`);
      return graphOf([...tasks, { name, needs, work: work as Task['work'] }]);
    },
    run: () => runTasks(tasks) as Promise<R>,
  };
}

async function runTasks(tasks: readonly Task[]): Promise<Results> {
  const running = new Map<string, Promise<unknown>>();
  const failures = new Map<string, unknown>();
  for (const task of tasks) {
    const start = async (values: unknown[]) => {
      try {
        return await task.work(Object.fromEntries(task.needs.map((name, index) => [name, values[index]])));
      } catch (error) {
        failures.set(task.name, error);
        throw error;
      }
    };
    const needed = task.needs.map((name) => running.get(name)!);
    running.set(task.name, needed.length ? Promise.all(needed).then(start) : start([]));
  }
  // Every task's promise is watched from here on: no rejection goes unhandled.
  const settled = await Promise.allSettled(running.values());
  const failed = tasks.find((task) => failures.has(task.name));
  if (failed) throw failures.get(failed.name);
  return Object.fromEntries(tasks.map((task, index) => [task.name, (settled[index] as PromiseFulfilledResult<unknown>).value]));
}

/** Like Promise.all for a list of like tasks, but waits for every one to end before reporting the first failure. */
export async function settleAll<T>(tasks: Array<Promise<T>>): Promise<T[]> {
  const results = await Promise.allSettled(tasks);
  const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((result) => (result as PromiseFulfilledResult<T>).value);
}
