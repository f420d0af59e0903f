import type { Style } from '../../cli/ui.ts';
import { formatChecks } from '../../steps/check-report.ts';
import { utcMinute } from '../../util/utc-time.ts';
import type { StatusRow } from './rows.ts';

export function formatStatus(rows: StatusRow[], style: Style, warnDays: number | undefined, now: Date): string {
  if (!rows.length) return 'No profiles yet: run dynauth init.';
  const table = [
    ['PROFILE', 'ENVIRONMENT', 'APP', 'CREDENTIAL', 'EXPIRES', 'LAST TEST', 'KEYCHAIN'],
    ...rows.map((row) => [
      row.profile,
      row.environment ? row.environment.url : '?',
      row.app ? row.app.displayName : '?',
      row.credential?.type ?? (row.federation ? 'federated' : row.delegated?.publicClient ? 'no secret' : '?'),
      (row.delegated?.publicClient || row.federation) && !row.credential ? '-' : expires(row, warnDays, now),
      row.lastSuccessfulTest ? utcMinute(row.lastSuccessfulTest) : 'never',
      row.keychainItem === 'none'
        ? '-'
        : `${row.keychainItem === 'present' ? 'present' : row.keychainItem === 'missing' ? 'MISSING' : 'unknown'}${row.store === 'file' ? ' (file)' : ''}`,
    ]),
  ];
  const widths = table[0]!.map((_, column) => Math.max(...table.map((cells) => cells[column]!.length)));
  const lines = table.map((cells, index) => {
    const line = cells
      .map((cell, column) => cell.padEnd(widths[column]!))
      .join('  ')
      .trimEnd();
    return index === 0 ? style.bold(line) : line;
  });
  for (const row of rows) {
    if (row.problem) lines.push('', style.red(`✖ ${row.profile}: ${row.problem}`));
    if (row.delegated) lines.push('', delegatedLine(row, row.delegated, style, warnDays));
    if (row.federation) {
      lines.push('', `  ${row.profile}: federated, no secret; tokens sign the app in from:`);
      for (const f of row.federation) lines.push(`    ${f.issuer}  ${f.subject}  ("${f.name}")`);
    }
    const item = row.store === 'file' ? 'encrypted credential file' : 'keychain item';
    if (row.keychainItem === 'missing')
      lines.push(
        '',
        style.yellow(
          `! ${row.profile}: its ${item} is missing; re-run dynauth init for it, or dynauth rotate-secret --profile ${row.profile}.`,
        ),
      );
    // Its own paragraph, like every other note of the row (it ran into the row above or the previous profile's notes).
    if (row.destinations?.length) lines.push('');
    for (const d of row.destinations ?? []) {
      const received = d.lastDeliveredOn
        ? `${d.lastKeyId ? `key ${d.lastKeyId}` : 'its public parts'} on ${d.lastDeliveredOn.slice(0, 10)}`
        : 'nothing yet';
      lines.push(
        d.stale
          ? style.yellow(
              `! ${row.profile} → ${d.spec}: STALE, received ${received}; deliver the current one with dynauth rotate-secret --profile ${row.profile}`,
            )
          : `  ${row.profile} → ${d.spec}: received ${received} (current)`,
      );
    }
    for (const entry of row.pendingRevocation ?? []) {
      lines.push(
        '',
        style.yellow(
          `! ${row.profile}: replaced ${entry.type} ${entry.keyId} is pending revocation (still valid until ${entry.expiresOn.slice(0, 10)}): dynauth rotate-secret --finish --profile ${row.profile}`,
        ),
      );
    }
    if (!row.check) continue;
    const failed = row.check.checks.some((c) => c.status === 'fail');
    const latency = [
      row.check.latency.tokenMs !== undefined && `token ${row.check.latency.tokenMs} ms`,
      row.check.latency.webApiMs !== undefined && `Web API ${row.check.latency.webApiMs} ms`,
    ]
      .filter(Boolean)
      .join(', ');
    lines.push(
      '',
      failed
        ? style.red(`✖ ${row.profile}: connection test failed`)
        : style.green(`✔ ${row.profile}: connection works${latency ? ` (${latency})` : ''}`),
    );
    lines.push(
      ...formatChecks({ ...row.check, checks: row.check.checks.filter((c) => c.status === 'fail' || c.status === 'warn') }, style, '  '),
    );
  }
  return lines.join('\n');
}

function expires(row: StatusRow, warnDays: number | undefined, now: Date): string {
  const credential = row.credential;
  if (!credential) return '?';
  const date = credential.expiresOn.slice(0, 10);
  if (Date.parse(credential.expiresOn) <= now.getTime()) return `EXPIRED on ${date}`;
  const text = `in ${credential.daysLeft} day${credential.daysLeft === 1 ? '' : 's'} (${date})`;
  return warnDays !== undefined && credential.daysLeft < warnDays ? `${text} !` : text;
}

/** Whom a delegated profile acts as, and how long its refresh token lives on unused. */
function delegatedLine(row: StatusRow, delegated: NonNullable<StatusRow['delegated']>, style: Style, warnDays: number | undefined): string {
  const as = `${row.profile}: delegated${delegated.publicClient ? ' (public client, no secret)' : ''}${delegated.user ? ` as ${delegated.user}` : ''}`;
  const { lastRedeemedOn, daysLeft } = delegated.refreshToken;
  if (!lastRedeemedOn || daysLeft === undefined) return `  ${as}; refresh token use not recorded`;
  const last = utcMinute(lastRedeemedOn);
  if (daysLeft <= 0) return style.red(`✖ ${as}; refresh token unused since ${last}: expired after 90 days unused`);
  const text = `${as}; refresh token last redeemed ${last}, dies unused in ${daysLeft} day${daysLeft === 1 ? '' : 's'}`;
  return warnDays !== undefined && daysLeft <= warnDays ? style.yellow(`! ${text}`) : `  ${text}`;
}
