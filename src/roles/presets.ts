export const ROLE_PRESETS = ['contact-center', 'read-only', 'system-administrator'] as const;
export type RolePresetName = (typeof ROLE_PRESETS)[number];

export interface RolePreset {
  name: RolePresetName;
  /** The Dataverse role: a custom one dynauth creates, or a built-in one. */
  roleName: string;
  builtIn: boolean;
  /** Privileges at Global depth; exactly these and nothing more for custom presets. */
  privileges: string[];
  summary: string;
}

const READ = ['prvReadAccount', 'prvReadContact', 'prvReadIncident', 'prvReadLead', 'prvReadActivity'];

export const PRESETS: Record<RolePresetName, RolePreset> = {
  'contact-center': {
    name: 'contact-center',
    roleName: 'dynauth contact-center',
    builtIn: false,
    privileges: [...READ, 'prvWriteLead', 'prvWriteActivity'],
    summary: 'read accounts, contacts, cases, leads and activities; write leads and activities',
  },
  'read-only': {
    name: 'read-only',
    roleName: 'dynauth read-only',
    builtIn: false,
    privileges: READ,
    summary: 'read accounts, contacts, cases, leads and activities',
  },
  'system-administrator': {
    name: 'system-administrator',
    roleName: 'System Administrator',
    builtIn: true,
    privileges: [],
    summary: 'everything in the environment (the built-in System Administrator role)',
  },
};

/** The tables the presets' privileges are about: display name (as the maker portal shows it) and logical name. */
const TABLES: Record<string, { display: string; logicalName: string }> = {
  Account: { display: 'Account', logicalName: 'account' },
  Contact: { display: 'Contact', logicalName: 'contact' },
  Incident: { display: 'Case', logicalName: 'incident' },
  Lead: { display: 'Lead', logicalName: 'lead' },
  Opportunity: { display: 'Opportunity', logicalName: 'opportunity' },
  Activity: { display: 'Activity', logicalName: 'activitypointer' },
};

/** prvReadIncident → { action: 'read', table: 'Case', logicalName: 'incident' }; other names are kept as they are. */
export function describePrivilege(name: string): { action: string; table: string; logicalName: string } {
  const match = /^prv(AppendTo|Append|Assign|Create|Delete|Read|Share|Write)(\w+)$/.exec(name);
  if (!match) return { action: name, table: name, logicalName: name };
  const [, action = '', suffix = ''] = match;
  const table = TABLES[suffix] ?? { display: suffix, logicalName: suffix.toLowerCase() };
  const verb = action === 'AppendTo' ? 'append to' : action.toLowerCase();
  return { action: verb, table: table.display, logicalName: table.logicalName };
}

/** ['prvReadIncident', 'prvWriteLead'] → "read Case, write Lead". */
export function privilegesInWords(names: string[]): string {
  return names
    .map((name) => {
      const p = describePrivilege(name);
      return `${p.action} ${p.table}`;
    })
    .join(', ');
}

/** ['prvReadIncident', 'prvReadLead', 'prvWriteLead'] → ['Case (incident)', 'Lead (lead)']. */
export function tablesOf(names: string[]): string[] {
  return [
    ...new Set(
      names.map((name) => {
        const p = describePrivilege(name);
        return `${p.table} (${p.logicalName})`;
      }),
    ),
  ];
}
