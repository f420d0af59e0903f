import type { TokenSource } from '../auth/token-source.ts';
import { ExitCode } from '../cli/errors.ts';
import { dataverseScope } from '../clouds.ts';
import type { Http } from '../http/http.ts';
import { quoteServerText } from '../http/server-text.ts';
import { DATAVERSE_API_VERSION } from '../microsoft.ts';
import { odataString } from './odata.ts';
import { ApiError, readErrorBody } from './api-error.ts';
import { pageLinks } from './paging.ts';
import { readJson, unexpectedAnswer } from './read-json.ts';

export interface WhoAmI {
  UserId: string;
  BusinessUnitId: string;
  OrganizationId: string;
}

export interface BusinessUnit {
  businessunitid: string;
  name: string;
}

export interface Role {
  roleid: string;
  name: string;
}

export interface ApplicationUser {
  systemuserid: string;
  applicationid: string;
  isdisabled: boolean;
  _businessunitid_value: string;
  systemuserroles_association: Role[];
}

export interface UserPrivilege {
  PrivilegeId: string;
  /** Always filled in: older answers leave it out, and the client then reads it from `privileges`. */
  PrivilegeName: string;
  Depth: string | number;
  BusinessUnitId: string;
}

type PrivilegeRow = Omit<UserPrivilege, 'PrivilegeName'> & { PrivilegeName?: string };

/** Ids per `privileges` read when rows lack names; past NAMES_BY_FILTER_LIMIT the whole list is read instead. */
const IDS_PER_FILTER = 50;
const NAMES_BY_FILTER_LIMIT = 200;

export type PrivilegeDepth = 'Basic' | 'Local' | 'Deep' | 'Global';

export interface DataverseApi {
  readonly url: string;
  whoAmI(): Promise<WhoAmI>;
  rootBusinessUnit(): Promise<BusinessUnit>;
  findBusinessUnit(name: string): Promise<BusinessUnit | undefined>;
  listBusinessUnits(): Promise<BusinessUnit[]>;
  findApplicationUser(appId: string): Promise<ApplicationUser | undefined>;
  createApplicationUser(appId: string, businessUnitId: string): Promise<string>;
  findRole(name: string, businessUnitId: string): Promise<Role | undefined>;
  listRoles(businessUnitId: string): Promise<Role[]>;
  createRole(name: string, businessUnitId: string): Promise<string>;
  findPrivileges(names: string[]): Promise<Array<{ privilegeid: string; name: string }>>;
  rolePrivilegeNames(roleId: string): Promise<string[]>;
  addPrivilegesToRole(roleId: string, privileges: Array<{ PrivilegeId: string; Depth: PrivilegeDepth }>): Promise<void>;
  assignRole(userId: string, roleId: string): Promise<void>;
  /** The privileges of the user's own roles (not those held through teams). */
  retrieveUserPrivileges(userId: string): Promise<UserPrivilege[]>;
  /** The privileges the user holds through their teams' roles (RetrieveUsersPrivilegesThroughTeams). */
  retrieveTeamPrivileges(userId: string): Promise<UserPrivilege[]>;
  readTable(entitySet: string): Promise<void>;
  /** Deactivates a user (an application user cannot be deleted while active: it is deactivated instead). */
  disableUser(userId: string): Promise<void>;
}

export type DataverseCaller = 'admin' | 'app';

type SendInit = { method?: string; body?: unknown; prefer?: string };

const guid = (value: string) => value.replace(/[{}]/g, '');

/** The Dataverse Web API of one environment, as the signed-in admin or as the app itself. */
export function createDataverseApi(environmentUrl: string, http: Http, getToken: TokenSource, caller: DataverseCaller): DataverseApi {
  const origin = new URL(environmentUrl).origin;
  const base = `${origin}/api/data/${DATAVERSE_API_VERSION}/`;
  const scope = dataverseScope(origin);
  const host = new URL(origin).host;
  const request = (operation: string) => `the request to ${operation} in ${host}`;

  const send = (operation: string, path: string, init: SendInit = {}) => sendTo(operation, base + path, init);
  const sendTo = async (operation: string, url: string, init: SendInit = {}) => {
    const headers: Record<string, string> = {
      Authorization: `Bearer ${await getToken(scope)}`,
      Accept: 'application/json',
      'OData-MaxVersion': '4.0',
      'OData-Version': '4.0',
    };
    if (init.body !== undefined) headers['Content-Type'] = 'application/json';
    if (init.prefer) headers.Prefer = init.prefer;
    const response = await http.request(url, {
      method: init.method ?? 'GET',
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    if (!response.ok) throw await dataverseError(operation, origin, caller, response);
    return response;
  };
  const getFrom = async <T>(operation: string, url: string): Promise<T> =>
    readJson<T>(await sendTo(operation, url), 'Dataverse', request(operation));
  const get = <T>(operation: string, path: string): Promise<T> => getFrom<T>(operation, base + path);
  /** Every page: Dataverse answers long collections in pages linked by @odata.nextLink. */
  const list = async <T>(operation: string, path: string): Promise<T[]> => {
    const items: T[] = [];
    const follow = pageLinks('Dataverse', request(operation), base + path, base);
    for (let next: string | undefined = base + path; next; ) {
      const page = await getFrom<{ value?: unknown; '@odata.nextLink'?: unknown }>(operation, next);
      if (!Array.isArray(page.value)) throw unexpectedAnswer('Dataverse', request(operation), 'no list of rows');
      items.push(...(page.value as T[]));
      next = follow(page['@odata.nextLink']);
    }
    return items;
  };
  /** Fills in PrivilegeName where Dataverse left it out, from the privileges table. */
  const withNames = async (rows: PrivilegeRow[]): Promise<UserPrivilege[]> => {
    const unnamed = [...new Set(rows.filter((row) => !row.PrivilegeName).map((row) => guid(row.PrivilegeId).toLowerCase()))];
    if (!unnamed.length) return rows as UserPrivilege[];
    const chunks: string[][] = [];
    for (let i = 0; i < unnamed.length; i += IDS_PER_FILTER) chunks.push(unnamed.slice(i, i + IDS_PER_FILTER));
    const found =
      unnamed.length > NAMES_BY_FILTER_LIMIT
        ? await list<{ privilegeid: string; name: string }>('read privileges', 'privileges?$select=privilegeid,name')
        : (
            await Promise.all(
              chunks.map((ids) =>
                list<{ privilegeid: string; name: string }>(
                  'read privileges',
                  `privileges?$select=privilegeid,name&$filter=${ids.map((id) => `privilegeid eq ${id}`).join(' or ')}`,
                ),
              ),
            )
          ).flat();
    const names = new Map(found.map((p) => [p.privilegeid.toLowerCase(), p.name]));
    // A privilege the table does not list keeps an empty name: it then matches no expected one.
    return rows.map((row) => ({ ...row, PrivilegeName: row.PrivilegeName || names.get(guid(row.PrivilegeId).toLowerCase()) || '' }));
  };
  const createdId = (response: Response): string => {
    const location = response.headers.get('OData-EntityId') ?? '';
    const match = /\(([0-9a-f-]{36})\)\s*$/i.exec(location);
    if (!match)
      throw unexpectedAnswer(
        'Dataverse',
        request('create a record'),
        `no new record id (OData-EntityId: "${quoteServerText(location, 200)}")`,
      );
    return match[1]!;
  };

  return {
    url: origin,
    whoAmI: async () => {
      const answer = await get<Partial<Record<keyof WhoAmI, unknown>>>('call WhoAmI', 'WhoAmI');
      if (typeof answer.UserId !== 'string' || typeof answer.BusinessUnitId !== 'string')
        throw unexpectedAnswer('Dataverse', request('call WhoAmI'), 'no user id');
      return answer as WhoAmI;
    },
    rootBusinessUnit: async () => {
      const [root] = await list<BusinessUnit>(
        'read business units',
        'businessunits?$select=businessunitid,name&$filter=parentbusinessunitid eq null',
      );
      if (!root) throw new Error('Dataverse returned no root business unit');
      return root;
    },
    findBusinessUnit: async (name) =>
      (
        await list<BusinessUnit>('read business units', `businessunits?$select=businessunitid,name&$filter=name eq ${odataString(name)}`)
      )[0],
    listBusinessUnits: () => list('read business units', 'businessunits?$select=businessunitid,name'),
    findApplicationUser: async (appId) =>
      (
        await list<ApplicationUser>(
          'read application users',
          `systemusers?$select=systemuserid,applicationid,isdisabled,_businessunitid_value&$filter=applicationid eq ${guid(appId)}&$expand=systemuserroles_association($select=roleid,name)`,
        )
      )[0],
    createApplicationUser: async (appId, businessUnitId) =>
      createdId(
        await send('create the application user', 'systemusers', {
          method: 'POST',
          body: {
            applicationid: appId,
            accessmode: 4,
            isdisabled: false,
            'businessunitid@odata.bind': `/businessunits(${guid(businessUnitId)})`,
          },
        }),
      ),
    findRole: async (name, businessUnitId) =>
      (
        await list<Role>(
          'read security roles',
          `roles?$select=roleid,name&$filter=name eq ${odataString(name)} and _businessunitid_value eq ${guid(businessUnitId)}`,
        )
      )[0],
    listRoles: (businessUnitId) =>
      list('read security roles', `roles?$select=roleid,name&$filter=_businessunitid_value eq ${guid(businessUnitId)}&$orderby=name`),
    createRole: async (name, businessUnitId) =>
      createdId(
        await send('create the security role', 'roles', {
          method: 'POST',
          body: { name, 'businessunitid@odata.bind': `/businessunits(${guid(businessUnitId)})` },
        }),
      ),
    findPrivileges: (names) =>
      list('read privileges', `privileges?$select=privilegeid,name&$filter=${names.map((n) => `name eq ${odataString(n)}`).join(' or ')}`),
    rolePrivilegeNames: async (roleId) =>
      (await list<{ name: string }>('read the role privileges', `roles(${guid(roleId)})/roleprivileges_association?$select=name`)).map(
        (p) => p.name,
      ),
    addPrivilegesToRole: async (roleId, privileges) => {
      await send('add privileges to the role', `roles(${guid(roleId)})/Microsoft.Dynamics.CRM.AddPrivilegesRole`, {
        method: 'POST',
        body: { Privileges: privileges },
      });
    },
    assignRole: async (userId, roleId) => {
      await send('assign the security role', `systemusers(${guid(userId)})/systemuserroles_association/$ref`, {
        method: 'POST',
        body: { '@odata.id': `${base}roles(${guid(roleId)})` },
      });
    },
    retrieveUserPrivileges: async (userId) =>
      withNames(
        (
          await get<{ RolePrivileges: PrivilegeRow[] }>(
            'read the user privileges',
            `systemusers(${guid(userId)})/Microsoft.Dynamics.CRM.RetrieveUserPrivileges()`,
          )
        ).RolePrivileges,
      ),
    // An unbound function taking the user's id (learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/retrieveusersprivilegesthroughteams).
    retrieveTeamPrivileges: async (userId) =>
      withNames(
        (
          await get<{ RolePrivileges: PrivilegeRow[] }>(
            'read the privileges held through teams',
            `RetrieveUsersPrivilegesThroughTeams(UserId=${guid(userId)})`,
          )
        ).RolePrivileges,
      ),
    // isdisabled is writable (learn.microsoft.com/power-apps/developer/data-platform/reference/entities/systemuser#BKMK_IsDisabled).
    disableUser: async (userId) => {
      await send('deactivate the application user', `systemusers(${guid(userId)})`, { method: 'PATCH', body: { isdisabled: true } });
    },
    readTable: async (entitySet) => {
      await send(`read ${entitySet}`, `${entitySet}?$select=createdon&$top=1`);
    },
  };
}

export const NOT_A_MEMBER = '0x80072560';
const RETRY_LATER = 'Dataverse is busy or unavailable; run the same command again later: it resumes where it stopped.';
export const MISSING_PRIVILEGE = '0x80040220';
export const BLOCKED_BY_POLICY = '0x80095ffc';

async function dataverseError(operation: string, origin: string, caller: DataverseCaller, response: Response): Promise<ApiError> {
  const { code, message } = await readErrorBody(response);
  const base = { service: 'dataverse' as const, status: response.status, remoteCode: code, remoteMessage: message };
  const host = new URL(origin).host;
  if (caller === 'admin' && (response.status === 403 || response.status === 401)) {
    const privilege = /missing (\w+) privilege/.exec(message)?.[1];
    return new ApiError({
      ...base,
      message:
        code === NOT_A_MEMBER
          ? `Your account is not a user of the Dataverse environment ${host}.`
          : `Your account may not ${operation} in ${host}${privilege ? ` (missing ${privilege})` : ''}.`,
      hint: 'Sign in as a user with the System Administrator security role in that environment.',
      exitCode: ExitCode.auth,
    });
  }
  return new ApiError({
    ...base,
    message: `Could not ${operation} in ${host}: ${message || `HTTP ${response.status}`}${code ? ` (${code})` : ''}.`,
    hint: response.status >= 500 || response.status === 429 ? RETRY_LATER : undefined,
  });
}
