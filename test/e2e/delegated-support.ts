// Helpers of the delegated init tests: run the CLI while playing the integration account's
// browser. dynauth prints the authorize address on stderr when it opens no browser (BROWSER=none,
// or no desktop); the test GETs it from the emulator, which approves as the seeded integration
// account and answers with a 302 to dynauth's loopback listener, and then follows that redirect.
import { spawn } from 'node:child_process';
import tls from 'node:tls';
import type { Run, Sandbox } from '../support/sandbox.ts';

const bin = new URL('../../bin/dynauth.js', import.meta.url).pathname;

/** The authorize address dynauth printed for the browser. */
export const AUTHORIZE_URL = /(https:\/\/\S+\/oauth2\/v2\.0\/authorize\?\S+)/;

export interface LiveRun {
  stderr(): string;
  /** Resolves with the first match of `pattern` on stderr (fails if the run ends first). */
  waitFor(pattern: RegExp): Promise<RegExpExecArray>;
  done: Promise<Run>;
  /** Sends the CLI a signal (SIGINT: Ctrl-C). */
  kill(signal: NodeJS.Signals): void;
}

/** Starts dynauth against the sandbox, with stderr readable while it runs; every output joins the sandbox's secret scan. */
export function startCli(sandbox: Sandbox, args: string[], env: Record<string, string> = {}): LiveRun {
  trust(sandbox);
  const child = spawn(process.execPath, [bin, ...args], {
    env: { ...sandbox.env, BROWSER: 'none', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const waiters: Array<() => void> = [];
  let ended = false;
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
    for (const wake of waiters.splice(0)) wake();
  });
  child.stdin.end();
  const done = new Promise<Run>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      ended = true;
      sandbox.outputs.push(stdout, stderr);
      for (const wake of waiters.splice(0)) wake();
      resolve({ code, signal, stdout, stderr });
    });
  });
  const waitFor = (pattern: RegExp): Promise<RegExpExecArray> =>
    new Promise((resolve, reject) => {
      const check = () => {
        const match = pattern.exec(stderr);
        if (match) resolve(match);
        else if (ended) reject(new Error(`the run ended without printing ${pattern}:\n${stderr}`));
        else waiters.push(check);
      };
      check();
    });
  return { stderr: () => stderr, waitFor, done, kill: (signal) => child.kill(signal) };
}

/** The test process trusts the emulator's CA, as a browser of the sandbox would. */
export function trust(sandbox: Sandbox): void {
  tls.setDefaultCACertificates([...tls.getCACertificates('default'), sandbox.emulator.caCertPem]);
}

/** GETs the authorize address (the emulator approves) and returns where Entra sends the browser back. */
export async function approve(authorizeUrl: string): Promise<URL> {
  const answer = await fetch(authorizeUrl, { redirect: 'manual' });
  const location = answer.headers.get('location');
  if (answer.status !== 302 || !location) throw new Error(`authorize answered ${answer.status}: ${await answer.text()}`);
  return new URL(location);
}

/** The browser following a redirect to dynauth's loopback listener: the status and the page it shows. */
export async function visit(url: URL | string): Promise<{ status: number; page: string }> {
  const answer = await fetch(url, { redirect: 'manual' });
  return { status: answer.status, page: await answer.text() };
}

/** Plays the browser of one sign-in end to end: waits for the address, approves, returns to dynauth. */
export async function signInThroughBrowser(run: LiveRun): Promise<{ status: number; page: string; redirect: URL }> {
  const [, url] = await run.waitFor(AUTHORIZE_URL);
  const redirect = await approve(url!);
  return { ...(await visit(redirect)), redirect };
}
