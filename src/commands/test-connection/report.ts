import type { Style } from '../../cli/ui.ts';
import { formatChecks } from '../../steps/check-report.ts';
import type { ConnectionReport } from '../../steps/connection-report.ts';
import { utcMinute } from '../../util/utc-time.ts';

export function formatReport(report: ConnectionReport, style: Style): string {
  const row = (label: string, value: string | undefined) => (value ? [`  ${label.padEnd(16)} ${value}`] : []);
  const credential = report.credential;
  const expiry = credential?.expiresOn
    ? `, expires ${credential.expiresOn.slice(0, 10)}${credential.daysLeft === undefined ? '' : ` (in ${credential.daysLeft} days)`}`
    : '';
  const delegated = report.delegated;
  const refresh = delegated?.refreshToken.lastRedeemedOn
    ? `last redeemed ${utcMinute(delegated.refreshToken.lastRedeemedOn)}${delegated.refreshToken.daysLeft === undefined ? '' : ` (${delegated.refreshToken.daysLeft} days left of 90 unused)`}`
    : 'use not recorded';
  const latency = [
    report.latency.tokenMs !== undefined && `token ${report.latency.tokenMs} ms`,
    report.latency.webApiMs !== undefined && `Web API ${report.latency.webApiMs} ms`,
  ]
    .filter(Boolean)
    .join(', ');
  const failed = report.checks.filter((c) => c.status === 'fail').length;
  const warned = report.checks.filter((c) => c.status === 'warn').length;
  return [
    style.bold(report.profile ? `Connection test of profile "${report.profile}"` : 'Connection test of a setup made by hand'),
    ...row('tenant', report.tenantId),
    ...row('client id', report.clientId),
    ...row('environment', report.environment),
    ...row('flow', delegated ? `delegated${delegated.publicClient ? ' (public client)' : ''}` : undefined),
    ...row('signed in as', delegated?.user),
    ...row(
      'credential',
      credential
        ? `${credential.type === 'secret' ? 'client secret' : `certificate${credential.thumbprint ? ` ${credential.thumbprint}` : ''}`}${expiry}`
        : report.federation
          ? `none: federated, signs in with the platform's token (${report.federation.tokenFile})`
          : 'none (a public client)',
    ),
    ...row('refresh token', delegated ? refresh : undefined),
    ...row(delegated ? 'user id' : 'app user', delegated ? report.userId : report.applicationUserId),
    ...row('business unit', report.businessUnitId),
    ...row('organization', report.organizationId),
    ...row(
      'roles',
      report.roles.names.length
        ? `${report.roles.names.join(', ')}${report.roles.source === 'profile' ? ' (as recorded in the profile)' : ''}`
        : undefined,
    ),
    ...row(
      'privileges',
      report.privileges.map((p) => `${p.name} ${p.present ? style.green('✔') : style.red('✖')}`).join('  ') || undefined,
    ),
    ...row('latency', latency || undefined),
    '',
    ...formatChecks(report, style),
    '',
    failed
      ? style.red(`${failed} check${failed === 1 ? '' : 's'} failed.`)
      : style.green(`Connection works${warned ? ` (${warned} warning${warned === 1 ? '' : 's'})` : ''}.`),
  ].join('\n');
}
