// The checks of a connection test as lines of text: test-connection's report and status --check show them alike.
import type { Style } from '../cli/ui.ts';
import type { Check, ConnectionReport } from './connection-report.ts';

const MARK: Record<Check['status'], (style: Style) => string> = {
  pass: (s) => s.green('✔'),
  warn: (s) => s.yellow('!'),
  fail: (s) => s.red('✖'),
  skip: (s) => s.dim('-'),
};

/** One line per check; a failure adds its cause and its fix on the next two lines. */
export function formatChecks(report: ConnectionReport, style: Style, indent = ''): string[] {
  return report.checks.flatMap((check) => [
    `${indent}${MARK[check.status](style)} ${check.id.padEnd(20)} ${check.summary}`,
    ...(check.diagnosis ? [`${indent}    ${check.diagnosis.cause}`, `${indent}    ${style.bold('Fix:')} ${check.diagnosis.fix}`] : []),
  ]);
}
