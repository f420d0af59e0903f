import { DynauthError, ExitCode, UsageError } from '../../cli/errors.ts';
import { ApiError } from '../../clients/api-error.ts';
import { callWebApi, webApiUrl, type WebApiAnswer } from '../../clients/dataverse-web-api.ts';
import type { Deps } from '../../deps.ts';
import { createHttp, type Http } from '../../http/http.ts';
import { describeRetryWait, timeoutFlagBudget } from '../../http/retry-wait.ts';
import { accessTokenFor } from '../../connection/access-token.ts';
import { openStorageFor } from '../../connection/profile-storages.ts';
import { assertSameCloud, chooseProfile } from '../../connection/select-profile.ts';
import { openProfiles } from '../../connection/storage.ts';
import { readStdinValue } from '../../io/stdin.ts';
import { readNamedFile } from '../../util/regular-file.ts';
import { diagnosedError, diagnosisContextFor } from '../../steps/diagnosed-error.ts';
import { UNEXPECTED_DATAVERSE_FIX } from '../../steps/diagnose-dataverse.ts';
import { observing, tokenClaims } from '../../steps/test-connection-http.ts';
import { parseApiFlags } from './flags.ts';

/** A request body is a record or a batch of fields: far more than this is not one. */
const MAX_BODY_BYTES = 1024 * 1024;

/** `dynauth api METHOD PATH`: one call to the environment's Web API with the profile's token. */
export async function run(deps: Deps, options: Record<string, unknown>, args: string[]): Promise<number> {
  const flags = parseApiFlags(options, args, deps.env);
  const cloud = await deps.cloud();
  const profiles = await openProfiles(deps);
  const profile = await chooseProfile(deps, profiles, flags.profile, 'Run dynauth init first.');
  assertSameCloud(profile, cloud);
  const url = webApiUrl(profile.environment.url, flags.path);
  const body = flags.body === undefined ? undefined : await readBody(deps, flags.body, flags.timeoutMs);
  const ctx = diagnosisContextFor(deps, cloud, profile, flags.timeoutMs);
  let answer: WebApiAnswer;
  try {
    const storage = await openStorageFor(deps, profile, flags);
    const token = await accessTokenFor(deps, cloud, storage, profile);
    ctx.token = tokenClaims(token.accessToken);
    deps.ui.step(`${flags.method} ${url.pathname}${url.search} in ${url.host} as profile ${profile.name}…`);
    answer = await callWebApi(observing(webApiHttp(deps, flags.timeoutMs), ctx), url, flags.method, token.accessToken, body);
  } catch (error) {
    throw requestRefused(error, diagnosedError(error, ctx, deps.clock.now()));
  }
  const parsed = parse(answer.text);
  if (!answer.text && !deps.globals.json) {
    deps.ui.success(`HTTP ${answer.status}`);
    // A created (or upserted) row's address is the result a script keeps: `url=$(dynauth api POST accounts --body -)`.
    if (answer.entityId) deps.ui.result({}, () => answer.entityId ?? '');
    return ExitCode.ok;
  }
  deps.ui.result(
    { ok: true, status: answer.status, ...(answer.entityId ? { entityId: answer.entityId } : {}), body: parsed ?? null },
    () => (parsed === undefined ? answer.text : JSON.stringify(parsed, null, 2)),
  );
  return ExitCode.ok;
}

/** Each answer within --timeout; a throttled call waits what Dataverse asks, within --timeout too. */
function webApiHttp(deps: Deps, timeoutMs: number): Http {
  return createHttp({
    fetch: deps.fetch,
    clock: deps.clock,
    signal: deps.cancellation.signal,
    trace: (line) => deps.ui.verbose(line),
    timeoutMs,
    budget: timeoutFlagBudget(timeoutMs),
    serviceName: () => 'Dataverse',
    onRetry: (wait) => wait.waitMs >= 2000 && deps.ui.step(describeRetryWait(wait)),
  });
}

function parse(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

async function readBody(deps: Pick<Deps, 'io'>, source: string, timeoutMs: number): Promise<string> {
  let text: string;
  if (source === '-') {
    if (deps.io.stdin.isTTY)
      throw new UsageError('--body - reads the body from a pipe, but stdin is a terminal.', {
        hint: 'Pipe it in, or give a file: --body file.json.',
      });
    const read = await readStdinValue(deps.io.stdin, { timeoutMs, maxBytes: MAX_BODY_BYTES });
    if ('problem' in read) {
      throw new UsageError(
        read.problem === 'too-large'
          ? `--body -: stdin holds more than ${MAX_BODY_BYTES / 1024} KiB, far more than a request body.`
          : `--body -: stdin did not end within ${timeoutMs / 1000} s (--timeout).`,
        { code: read.problem === 'too-large' ? 'stdin-too-large' : 'stdin-not-ended' },
      );
    }
    text = read.text;
  } else {
    text = await readNamedFile(source, '--body', MAX_BODY_BYTES);
  }
  if (!text.trim()) throw new UsageError('--body is empty: give the JSON to send.', { code: 'empty-body' });
  try {
    JSON.parse(text);
  } catch {
    // Never quoted: a body may hold personal data.
    throw new UsageError('--body is not JSON; the Web API takes JSON bodies.', { code: 'body-not-json' });
  }
  return text;
}

/**
 * A 400, 404 or 405 that no diagnosis knows is about the request the user typed (a table's name, the
 * method, the body), not something to report: the hint says so.
 */
function requestRefused(error: unknown, diagnosed: unknown): unknown {
  if (!(error instanceof ApiError) || error.service !== 'dataverse' || ![400, 404, 405].includes(error.status)) return diagnosed;
  if (!(diagnosed instanceof DynauthError) || diagnosed.hint !== UNEXPECTED_DATAVERSE_FIX) return diagnosed;
  return new DynauthError(diagnosed.message, {
    hint: "Check the request: the path (a table's entity set name, e.g. accounts, contacts), the method and the body; --verbose shows what was sent.",
    code: diagnosed.code,
    exitCode: diagnosed.exitCode,
    cause: error,
  });
}
