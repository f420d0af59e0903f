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
