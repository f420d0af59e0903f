// The GitHub token destinations use: GH_TOKEN, GITHUB_TOKEN, or what `gh auth token` prints
// (run without a shell, from a directory no one else writes). Never a dynauth flag: a token on a
// command line is seen by every process of the machine. The redactor is told it at once.
import { execFile } from 'node:child_process';
import { DestinationError, type DestinationDeps } from './destination.ts';

const GH_TIMEOUT_MS = 15_000;

export async function githubToken(deps: DestinationDeps, apiHost: string, label: string): Promise<string> {
  const fromEnv = deps.env.GH_TOKEN?.trim() || deps.env.GITHUB_TOKEN?.trim();
  if (fromEnv) {
    deps.redactor.add(fromEnv);
    return fromEnv;
  }
  // gh names a GitHub Enterprise Server by its host (api.github.com is github.com's API).
  const host = apiHost === 'api.github.com' ? 'github.com' : apiHost;
  const run = deps.runProgram ?? ((file, args) => runWithoutShell(file, args, deps));
  const printed = await run('gh', ['auth', 'token', '--hostname', host]).catch(() => undefined);
  const token = printed?.trim();
  if (!token || /\s/.test(token)) {
    throw new DestinationError(label, 'no GitHub token: GH_TOKEN and GITHUB_TOKEN are not set, and gh auth token gave none.', {
      hint: "Set GH_TOKEN to a token that may write the repository's Actions secrets, or sign in with gh auth login.",
      code: 'github-token-missing',
    });
  }
  deps.redactor.add(token);
  return token;
}

function runWithoutShell(file: string, args: string[], deps: Pick<DestinationDeps, 'env' | 'signal'>): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { env: deps.env, signal: deps.signal, timeout: GH_TIMEOUT_MS, shell: false, cwd: '/', encoding: 'utf8', windowsHide: true },
      (error, stdout) => (error ? reject(error) : resolve(stdout)),
    );
  });
}
