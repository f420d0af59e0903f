// Dataverse privilege catalogue and standard security roles. Privilege ids are the same in every
// environment (as in Dataverse, where they come from the platform solution).
import { stableGuid } from './ids.ts';
import type { Privilege, RolePrivilege } from './state.ts';

const ACCESS_RIGHTS = {
  Read: 1,
  Write: 2,
  Append: 4,
  AppendTo: 16,
  Create: 32,
  Delete: 65536,
  Share: 262144,
  Assign: 524288,
} as const;
type Action = keyof typeof ACCESS_RIGHTS;
const ALL_ACTIONS = Object.keys(ACCESS_RIGHTS) as Action[];

/** Privilege name suffix → table logical name and object type code. */
const TABLES: Record<string, { logicalName: string; objectTypeCode: number; actions: Action[] }> = {
  Account: { logicalName: 'account', objectTypeCode: 1, actions: ALL_ACTIONS },
  Contact: { logicalName: 'contact', objectTypeCode: 2, actions: ALL_ACTIONS },
  Opportunity: { logicalName: 'opportunity', objectTypeCode: 3, actions: ALL_ACTIONS },
  Lead: { logicalName: 'lead', objectTypeCode: 4, actions: ALL_ACTIONS },
  Note: { logicalName: 'annotation', objectTypeCode: 5, actions: ALL_ACTIONS },
  Incident: { logicalName: 'incident', objectTypeCode: 112, actions: ALL_ACTIONS },
  Activity: { logicalName: 'activitypointer', objectTypeCode: 4200, actions: ALL_ACTIONS },
  Queue: { logicalName: 'queue', objectTypeCode: 2020, actions: ALL_ACTIONS },
  Product: { logicalName: 'product', objectTypeCode: 1024, actions: ['Create', 'Read', 'Write', 'Delete', 'Append', 'AppendTo'] },
  Quote: { logicalName: 'quote', objectTypeCode: 1084, actions: ALL_ACTIONS },
  SalesOrder: { logicalName: 'salesorder', objectTypeCode: 1088, actions: ALL_ACTIONS },
  Invoice: { logicalName: 'invoice', objectTypeCode: 1090, actions: ALL_ACTIONS },
  User: { logicalName: 'systemuser', objectTypeCode: 8, actions: ['Create', 'Read', 'Write', 'Append', 'AppendTo'] },
  Role: { logicalName: 'role', objectTypeCode: 1036, actions: ['Create', 'Read', 'Write', 'Delete', 'Append', 'AppendTo', 'Assign'] },
  BusinessUnit: { logicalName: 'businessunit', objectTypeCode: 10, actions: ['Create', 'Read', 'Write', 'Delete', 'Append', 'AppendTo'] },
  Team: { logicalName: 'team', objectTypeCode: 9, actions: ALL_ACTIONS },
  Organization: { logicalName: 'organization', objectTypeCode: 1019, actions: ['Read', 'Write'] },
};

/**
 * Tables that come with the Dynamics 365 apps (Sales, Customer Service), not with Dataverse itself:
 * an environment without those apps has none of them, so none of their privileges
 * (learn.microsoft.com/dynamics365/developer/reference/about-entity-reference, against
 * learn.microsoft.com/power-apps/developer/data-platform/reference/about-entity-reference).
 */
const DYNAMICS_APP_TABLES = new Set(['Opportunity', 'Lead', 'Incident', 'Product', 'Quote', 'SalesOrder', 'Invoice']);

/** Privileges that are not about one table's records. */
const MISCELLANEOUS = ['prvActOnBehalfOfAnotherUser', 'prvReadCustomization', 'prvCreateEntity', 'prvExportToExcel', 'prvBulkDelete'];

/** Every privilege of an environment; without Dynamics 365 apps, none on the apps' tables. */
export function privilegeCatalogue(options: { withDynamicsApps: boolean } = { withDynamicsApps: true }): Privilege[] {
  const list: Privilege[] = [];
  for (const [suffix, table] of Object.entries(TABLES)) {
    if (!options.withDynamicsApps && DYNAMICS_APP_TABLES.has(suffix)) continue;
    for (const action of table.actions) {
      const name = `prv${action}${suffix}`;
      list.push({
        privilegeid: stableGuid(`privilege:${name}`),
        name,
        accessright: ACCESS_RIGHTS[action],
        entity: { logicalName: table.logicalName, objectTypeCode: table.objectTypeCode },
      });
    }
  }
  for (const name of MISCELLANEOUS) list.push({ privilegeid: stableGuid(`privilege:${name}`), name, accessright: 0, entity: null });
  return list;
}

export const DEPTH = { Basic: 0, Local: 1, Deep: 2, Global: 3 } as const;
export const DEPTH_NAMES = ['Basic', 'Local', 'Deep', 'Global'] as const;

const CORE_SALES = ['Account', 'Contact', 'Lead', 'Opportunity', 'Activity', 'Note'];

/**
 * Standard role name → privilege name → depth. System Administrator gets everything at Global.
 * Without Dynamics 365 apps the apps' own roles (Salesperson, Customer Service Representative)
 * do not exist and the platform roles lack the apps' tables.
 */
export function standardRoles(catalogue: Privilege[]): Array<{ name: string; privileges: RolePrivilege[] }> {
  const byName = new Map(catalogue.map((p) => [p.name, p.privilegeid]));
  const withDynamicsApps = byName.has('prvReadIncident');
  const grant = (entries: Array<[string, number]>): RolePrivilege[] =>
    entries.map(([name, depth]) => {
      const privilegeid = byName.get(name);
      if (!privilegeid) throw new Error(`privilege catalogue: no ${name}`);
      return { privilegeid, depth };
    });
  const tableActions = (tables: string[], actions: Action[], depth: number): Array<[string, number]> =>
    tables
      .filter((t) => withDynamicsApps || !DYNAMICS_APP_TABLES.has(t))
      .flatMap((t) => actions.filter((a) => TABLES[t]!.actions.includes(a)).map((a): [string, number] => [`prv${a}${t}`, depth]));
  const directoryRead: Array<[string, number]> = [
    ['prvReadUser', DEPTH.Global],
    ['prvReadBusinessUnit', DEPTH.Global],
    ['prvReadRole', DEPTH.Local],
    ['prvReadOrganization', DEPTH.Global],
  ];
  // The apps' own roles are built only where their tables exist.
  const appRoles = (): Array<{ name: string; privileges: RolePrivilege[] }> => [
    {
      name: 'Salesperson',
      privileges: grant([
        ...directoryRead,
        ...tableActions(CORE_SALES, ALL_ACTIONS, DEPTH.Basic),
        ...tableActions(CORE_SALES, ['Read'], DEPTH.Local),
        ['prvReadProduct', DEPTH.Global],
        ...tableActions(['Quote', 'SalesOrder', 'Invoice'], ['Create', 'Read', 'Write'], DEPTH.Basic),
      ]),
    },
    {
      name: 'Customer Service Representative',
      privileges: grant([
        ...directoryRead,
        ...tableActions(['Incident', 'Contact', 'Account', 'Activity', 'Note', 'Queue'], ALL_ACTIONS, DEPTH.Basic),
        ...tableActions(['Incident', 'Contact', 'Account'], ['Read'], DEPTH.Local),
      ]),
    },
  ];
  return [
    { name: 'System Administrator', privileges: catalogue.map((p) => ({ privilegeid: p.privilegeid, depth: DEPTH.Global })) },
    {
      name: 'System Customizer',
      privileges: grant([
        ...directoryRead,
        ['prvReadCustomization', DEPTH.Global],
        ['prvCreateEntity', DEPTH.Global],
        ...tableActions(CORE_SALES, ALL_ACTIONS, DEPTH.Basic),
      ]),
    },
    {
      name: 'Basic User',
      privileges: grant([
        ...directoryRead,
        ...tableActions(['Account', 'Contact', 'Activity', 'Note'], ALL_ACTIONS, DEPTH.Basic),
        ['prvReadAccount', DEPTH.Local],
        ['prvReadContact', DEPTH.Local],
        ['prvExportToExcel', DEPTH.Global],
      ]),
    },
    ...(withDynamicsApps ? appRoles() : []),
    { name: 'Delegate', privileges: grant([['prvActOnBehalfOfAnotherUser', DEPTH.Global]]) },
    {
      name: 'Environment Maker',
      privileges: grant([...directoryRead, ['prvReadCustomization', DEPTH.Global], ['prvCreateEntity', DEPTH.Global]]),
    },
  ];
}
