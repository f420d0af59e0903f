// The task graph behind init's apply and the connection test: order, concurrency, and how a
// failure ends a run (after everything started has settled, never unhandled).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { settleAll, taskGraph } from '../../src/util/task-graph.ts';

/** A promise the test settles by hand. */
function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((ok, fail) => {
    resolve = ok;
    reject = fail;
  });
  return { promise, resolve, reject };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

test('a task starts once what it needs has succeeded, and gets each result by its name', async () => {
  const log: string[] = [];
  const results = await taskGraph()
    .task('app', [], async () => {
      log.push('app');
      return { id: 'app-1' };
    })
    .task('secret', ['app'], ({ app }) => {
      log.push(`secret for ${app.id}`);
      return 's3cret';
    })
    .task('profile', ['app', 'secret'], ({ app, secret }) => {
      log.push('profile');
      return `${app.id}:${secret.length}`;
    })
    .run();
  assert.deepEqual(log, ['app', 'secret for app-1', 'profile']);
  assert.deepEqual(results, { app: { id: 'app-1' }, secret: 's3cret', profile: 'app-1:6' });
});

test('a task gets only what it names, typed by name', async () => {
  const results = await taskGraph()
    .task('count', [], () => 2)
    .task('label', [], async () => 'roles')
    .task('summary', ['count'], (got) => {
      assert.deepEqual(Object.keys(got), ['count']);
      const count: number = got.count;
      // @ts-expect-error a task sees only the results it names
      void got.label;
      return `${count} roles`;
    })
    .run();
  const summary: string = results.summary;
  // @ts-expect-error a result keeps its task's type
  const wrong: number = results.label;
  assert.equal(summary, '2 roles');
  assert.equal(wrong, 'roles');
});

test('tasks that need nothing start at once, in the order added, and run side by side', async () => {
  const started: string[] = [];
  const first = deferred<number>();
  const second = deferred<number>();
  const running = taskGraph()
    .task('roles', [], () => {
      started.push('roles');
      return first.promise;
    })
    .task('crm', [], () => {
      started.push('crm');
      return second.promise;
    })
    .run();
  assert.deepEqual(started, ['roles', 'crm'], 'both started within run(), before either ended');
  second.resolve(2);
  first.resolve(1);
  assert.deepEqual(await running, { roles: 1, crm: 2 });
});

test('a task starts as soon as its own needs are met, not when slower unrelated work ends', async () => {
  const slow = deferred<string>();
  const started: string[] = [];
  const running = taskGraph()
    .task('slow', [], () => slow.promise)
    .task('fast', [], async () => 'fast')
    .task('afterFast', ['fast'], () => {
      started.push('afterFast');
    })
    .task('afterBoth', ['slow', 'fast'], () => {
      started.push('afterBoth');
    })
    .run();
  await tick();
  assert.deepEqual(started, ['afterFast']);
  slow.resolve('slow');
  await running;
  assert.deepEqual(started, ['afterFast', 'afterBoth']);
});

test('a failure waits for every task started beside it before the run rejects', async () => {
  const beside = deferred<string>();
  let besideSettled = false;
  let rejected = false;
  const running = taskGraph()
    .task('role', [], () => beside.promise.finally(() => (besideSettled = true)))
    .task('app', [], async () => {
      throw new Error('no rights to make the app');
    })
    .run();
  running.catch(() => (rejected = true));
  await tick();
  assert.equal(rejected, false, 'still waiting for the role being made');
  beside.resolve('made');
  await assert.rejects(running, /no rights to make the app/);
  assert.equal(besideSettled, true);
});

test('the failure reported is the earliest added one, whichever failed first in time', async () => {
  const late = deferred<never>();
  const running = taskGraph()
    .task('consent', [], () => late.promise)
    .task('environments', [], async () => {
      throw new Error('environments failed first');
    })
    .run();
  await tick();
  late.reject(new Error('consent failed later'));
  await assert.rejects(running, /consent failed later/);
});

test('what needs a failed task never starts; what does not still runs', async () => {
  const started: string[] = [];
  const principal = deferred<string>();
  const running = taskGraph()
    .task('credential', [], async () => {
      throw new Error('secret refused');
    })
    .task('principal', [], () => principal.promise)
    .task('tokens', ['credential', 'principal'], () => {
      started.push('tokens');
    })
    .task('consent', ['principal'], () => {
      started.push('consent');
    })
    .run();
  await tick();
  principal.resolve('sp');
  await assert.rejects(running, /secret refused/);
  assert.deepEqual(started, ['consent']);
});

test('no rejection goes unhandled: a thrown task, its dependants, and a failure while others run', async () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  try {
    const slow = deferred<number>();
    const running = taskGraph()
      .task('thrown', [], () => {
        throw new Error('thrown synchronously');
      })
      .task('rejected', [], () => Promise.reject(new Error('rejected')))
      .task('slow', [], () => slow.promise)
      .task('needsThrown', ['thrown'], () => 1)
      .task('needsBoth', ['rejected', 'slow'], () => 2)
      .run();
    // The caller looks at the run only later: nothing may have gone unhandled meanwhile.
    await tick();
    await tick();
    slow.resolve(3);
    await assert.rejects(running, /thrown synchronously/);
    await tick();
    assert.deepEqual(unhandled, []);
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
});

test('a need that is not added before its task, or a name added twice, is a programming error', () => {
  const graph = taskGraph().task('app', [], () => 1);
  assert.throws(
    () => graph.task('secret', ['principal' as 'app'], () => 2),
    /task "secret" needs "principal", which is not added before it/,
  );
  assert.throws(() => graph.task('app' as never, [], () => 2), /task "app" is added twice/);
});

test('settleAll: every task ends before the first failure (in list order) is reported', async () => {
  const slow = deferred<number>();
  let slowEnded = false;
  const all = settleAll([
    slow.promise.finally(() => (slowEnded = true)),
    Promise.reject(new Error('first in the list')),
    Promise.reject(new Error('second in the list')),
  ]);
  let rejected = false;
  all.catch(() => (rejected = true));
  await tick();
  assert.equal(rejected, false);
  slow.resolve(1);
  await assert.rejects(all, /first in the list/);
  assert.equal(slowEnded, true);
  assert.deepEqual(await settleAll([Promise.resolve(1), Promise.resolve(2)]), [1, 2]);
});
