import type { Ui } from '../../cli/ui.ts';
import { privilegesInWords } from '../../roles/presets.ts';
import type { Discovery, InitAnswers, PlanItem } from './model.ts';
import { federationPlan } from './federation.ts';

export function buildPlan(answers: InitAnswers, found: Discovery, existingProfiles: Set<string>): PlanItem[] {
  const item = (exists: boolean, what: string): PlanItem => ({ action: exists ? 'reuse' : 'create', what });
  const credential =
    answers.credential === 'secret'
      ? `client secret valid ${answers.lifetimeDays} days${answers.lifetimeNote ? ` (${answers.lifetimeNote})` : ''}`
      : `certificate valid ${answers.lifetimeDays} days`;
  const plan: PlanItem[] = [
    item(Boolean(found.app), `app registration "${answers.appName}" (single tenant, Dynamics CRM user_impersonation)`),
    item(Boolean(found.servicePrincipal), 'service principal (enterprise application)'),
    item(Boolean(found.grant), 'admin consent for Dynamics CRM user_impersonation'),
    found.credential
      ? {
          action: 'reuse',
          what: `stored ${found.credential.kind === 'secret' ? 'client secret' : 'certificate'} (expires ${found.credential.expiresOn.slice(0, 10)})`,
        }
      : { action: 'create', what: `${credential}, stored encrypted the moment it exists` },
  ];
  if (!found.crm) plan.splice(2, 0, { action: 'create', what: 'Dynamics CRM service principal in the tenant' });
  if (answers.credential === 'federated') plan.splice(plan.length - 1, 1, ...federationPlan(answers, found));
  for (const environment of found.environments) {
    const where = environment.target.displayName;
    plan.push(item(Boolean(environment.appUser), `application user in ${where}, business unit "${environment.businessUnit.name}"`));
    for (const role of environment.roles) {
      if (role.create) plan.push({ action: 'create', what: `security role "${role.name}" in ${where}` });
      else if (role.missingPrivileges.length)
        plan.push({ action: 'update', what: `security role "${role.name}": add ${role.missingPrivileges.join(', ')}` });
      if (environment.unavailablePrivileges.length) {
        plan.push({
          action: 'omit',
          what: `the role will lack ${privilegesInWords(environment.unavailablePrivileges)}: this environment has no such tables`,
        });
      }
      plan.push(
        role.assigned
          ? { action: 'reuse', what: `role "${role.name}" already assigned` }
          : { action: 'assign', what: `role "${role.name}" to the application user` },
      );
    }
    plan.push({
      action: existingProfiles.has(environment.target.profile) ? 'update' : 'create',
      what: `profile "${environment.target.profile}" ${answers.credential === 'federated' ? 'recording the federated credentials (nothing secret to store)' : 'with the encrypted connection string'}`,
    });
  }
  return plan;
}

export function printPlan(ui: Ui, plan: PlanItem[]): void {
  const mark = {
    create: ui.style.green('+ create'),
    assign: ui.style.green('+ assign'),
    update: ui.style.yellow('~ update'),
    reuse: ui.style.dim('= reuse '),
    omit: ui.style.yellow('- omit  '),
  };
  ui.info(ui.style.bold('\nPlan:'));
  for (const entry of plan) ui.info(`  ${mark[entry.action]}  ${entry.what}`);
  ui.info('');
}

/** The plan as plain text: the result of a dry run, on stdout. */
export function formatPlan(plan: PlanItem[]): string {
  const mark = { create: '+ create', assign: '+ assign', update: '~ update', reuse: '= reuse ', omit: '- omit  ' };
  return ['Plan:', ...plan.map((entry) => `  ${mark[entry.action]}  ${entry.what}`), '', 'Dry run: nothing was changed.'].join('\n');
}
