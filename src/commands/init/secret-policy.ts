import { secretLifetimeUnder, secretRules } from '../../steps/credential-policy.ts';
import { DEFAULT_LIFETIME_DAYS, type InitFlags } from './flags.ts';
import type { Discovery, InitAnswers } from './model.ts';

/**
 * A new client secret's lifetime under the app-management policy, when it could be read: a chosen
 * lifetime beyond its maximum or a policy that forbids secrets is a usage error before anything is
 * made; the default lifetime is lowered to the maximum, and the plan says why.
 */
export function withSecretPolicy(answers: InitAnswers, found: Discovery, flags: Pick<InitFlags, 'lifetimeDays'>, now: Date): InitAnswers {
  if (answers.credential !== 'secret' || found.credential || !found.policies) return answers;
  const rules = secretRules(found.policies, found.app, now);
  const settled = secretLifetimeUnder(rules, {
    days: answers.lifetimeDays,
    // Accepting the prompt's offered default is not a choice: it is lowered like the default.
    chosen: flags.lifetimeDays !== undefined || answers.lifetimeDays !== DEFAULT_LIFETIME_DAYS,
    flag: '--secret-expiry',
    blocked: {
      usage: true,
      hint: `Run the same dynauth init with --credential certificate${found.app ? ': it reuses the app and what else exists' : ''}; for a pipeline, --credential federated --federation <spec> needs no secret at all.`,
    },
  });
  return settled.days === answers.lifetimeDays ? answers : { ...answers, lifetimeDays: settled.days, lifetimeNote: settled.note };
}
