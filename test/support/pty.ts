import { spawn } from 'node:child_process';

export interface PtyStep {
  /** Wait until the screen (ANSI codes stripped) shows this, after the previous step's match. */
  expect: RegExp;
  /** Then type this (arrow keys as escape sequences, Enter as \r). */
  send: string;
  /** And do this beside the terminal (e.g. play the browser at an address the screen shows). */
  act?: (match: RegExpExecArray) => void;
}

export const KEY = { down: '\u001b[B', up: '\u001b[A', enter: '\r', space: ' ' };

// biome-ignore lint/suspicious/noControlCharactersInRegex: matches the terminal escape sequences it strips, which begin with ESC
const ANSI = /\u001b\[[0-9;?]*[A-Za-z]|\u001b[()][A-Z0-9]|\u001b[=>]/g;

/**
 * Runs a command in a real pseudo-terminal (util-linux `script`), answering prompts as they
 * appear, as a person at a terminal would.
 */
export function runInPty(
  command: string[],
  env: Record<string, string>,
  steps: PtyStep[],
  timeoutMs = 60_000,
): Promise<{ code: number | null; screen: string }> {
  const quoted = command.map((part) => `'${part.replace(/'/g, `'\\''`)}'`).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qfec', quoted, '/dev/null'], {
      env: { ...env, TERM: 'xterm-256color', COLUMNS: '160', LINES: '50' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let raw = '';
    let consumed = 0;
    let next = 0;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`pty timed out waiting for ${steps[next]?.expect ?? 'exit'}; screen:\n${raw.replace(ANSI, '')}`));
    }, timeoutMs);
    const advance = () => {
      while (next < steps.length) {
        const screen = raw.replace(ANSI, '');
        const match = steps[next]!.expect.exec(screen.slice(consumed));
        if (!match) return;
        consumed += match.index + match[0].length;
        steps[next]!.act?.(match);
        child.stdin.write(steps[next]!.send);
        next++;
      }
    };
    child.stdout.on('data', (chunk) => {
      raw += chunk;
      advance();
    });
    child.stderr.on('data', (chunk) => (raw += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (next < steps.length) reject(new Error(`exited (${code}) before ${steps[next]!.expect}; screen:\n${raw.replace(ANSI, '')}`));
      else resolve({ code, screen: raw.replace(ANSI, '') });
    });
  });
}
