// Dataverse ServiceClient connection strings (the DbConnectionStringBuilder dialect):
// `Key=Value;` pairs, case-insensitive keys, values optionally quoted with ' or "
// (the quote doubled inside). Errors name keys and problems, never values.
import { ConnectionStringError } from './errors.ts';

export type ConnectionAuthType = 'ClientSecret' | 'Certificate';

export interface ConnectionStringFields {
  authType: ConnectionAuthType;
  url: string;
  clientId: string;
  clientSecret?: string;
  thumbprint?: string;
  tenantId?: string;
}

type Field = 'authType' | 'url' | 'clientId' | 'clientSecret' | 'thumbprint' | 'tenantId';

const KEY_ALIASES: Record<string, Field> = {
  authtype: 'authType',
  url: 'url',
  serviceuri: 'url',
  clientid: 'clientId',
  appid: 'clientId',
  applicationid: 'clientId',
  clientsecret: 'clientSecret',
  secret: 'clientSecret',
  thumbprint: 'thumbprint',
  certthumbprint: 'thumbprint',
  tenantid: 'tenantId',
};

const CANONICAL_KEY: Record<Field, string> = {
  authType: 'AuthType',
  url: 'Url',
  clientId: 'ClientId',
  clientSecret: 'ClientSecret',
  thumbprint: 'Thumbprint',
  tenantId: 'TenantId',
};

export function formatConnectionString(fields: ConnectionStringFields): string {
  const checked = checkFields(fields);
  const order: Field[] = ['authType', 'url', 'clientId', 'clientSecret', 'thumbprint', 'tenantId'];
  return order
    .filter((field) => checked[field] !== undefined)
    .map((field) => `${CANONICAL_KEY[field]}=${quoteIfNeeded(checked[field] as string)}`)
    .join(';');
}

export function parseConnectionString(text: string): ConnectionStringFields {
  const found: Partial<Record<Field, string>> = {};
  const seenKeyFor: Partial<Record<Field, string>> = {};
  let position = 0;
  while (position < text.length) {
    position = skip(text, position, /[\s;]/u);
    if (position >= text.length) break;
    const equals = text.indexOf('=', position);
    const semicolon = text.indexOf(';', position);
    if (equals < 0 || (semicolon >= 0 && semicolon < equals)) {
      throw new ConnectionStringError(`Connection string: expected "Key=Value" at character ${position + 1}.`);
    }
    const key = text.slice(position, equals).trim();
    if (key.length === 0) throw new ConnectionStringError(`Connection string: empty key at character ${position + 1}.`);
    const { value, next } = readValue(text, equals + 1, key);
    position = next;
    const field = KEY_ALIASES[key.replace(/\s+/gu, '').toLowerCase()];
    if (field === undefined) continue; // other ServiceClient options (RequireNewInstance, LoginPrompt, ...) are not ours
    if (seenKeyFor[field] !== undefined) {
      throw new ConnectionStringError(`Connection string: "${key}" given more than once (also as "${seenKeyFor[field]}").`);
    }
    seenKeyFor[field] = key;
    found[field] = value;
  }
  return checkFields(found);
}

function readValue(text: string, start: number, key: string): { value: string; next: number } {
  const position = skip(text, start, /\s/u);
  const quote = text[position];
  if (quote === "'" || quote === '"') {
    let value = '';
    let cursor = position + 1;
    for (;;) {
      const close = text.indexOf(quote, cursor);
      if (close < 0) throw new ConnectionStringError(`Connection string: the quoted value of "${key}" is not closed.`);
      value += text.slice(cursor, close);
      if (text[close + 1] === quote) {
        value += quote;
        cursor = close + 2;
        continue;
      }
      const after = skip(text, close + 1, /\s/u);
      if (after < text.length && text[after] !== ';') {
        throw new ConnectionStringError(`Connection string: unexpected characters after the quoted value of "${key}".`);
      }
      return { value, next: after + 1 };
    }
  }
  const semicolon = text.indexOf(';', position);
  const end = semicolon < 0 ? text.length : semicolon;
  return { value: text.slice(position, end).trim(), next: end + 1 };
}

function checkFields(fields: Partial<Record<Field, string>>): ConnectionStringFields {
  const authType = normalizeAuthType(fields.authType);
  const url = required(fields.url, 'Url');
  if (!URL.canParse(url) || !/^https?:$/u.test(new URL(url).protocol)) {
    throw new ConnectionStringError('Connection string: Url must be an absolute https:// URL of the environment.');
  }
  const result: ConnectionStringFields = { authType, url, clientId: required(fields.clientId, 'ClientId') };
  if (authType === 'ClientSecret') {
    result.clientSecret = required(fields.clientSecret, 'ClientSecret');
    if (fields.thumbprint !== undefined)
      throw new ConnectionStringError('Connection string: Thumbprint does not belong to AuthType=ClientSecret.');
  } else {
    result.thumbprint = required(fields.thumbprint, 'Thumbprint');
    if (fields.clientSecret !== undefined)
      throw new ConnectionStringError('Connection string: ClientSecret does not belong to AuthType=Certificate.');
  }
  if (fields.tenantId !== undefined) result.tenantId = required(fields.tenantId, 'TenantId');
  return result;
}

function normalizeAuthType(value: string | undefined): ConnectionAuthType {
  const normalized = required(value, 'AuthType').toLowerCase();
  if (normalized === 'clientsecret') return 'ClientSecret';
  if (normalized === 'certificate') return 'Certificate';
  throw new ConnectionStringError('Connection string: AuthType must be ClientSecret or Certificate.');
}

function required(value: string | undefined, key: string): string {
  if (value === undefined) throw new ConnectionStringError(`Connection string: ${key} is missing.`);
  if (value.length === 0) throw new ConnectionStringError(`Connection string: ${key} is empty.`);
  return value;
}

function quoteIfNeeded(value: string): string {
  const needsQuotes = /[;='"\p{Cc}]/u.test(value) || value !== value.trim();
  return needsQuotes ? `'${value.replaceAll("'", "''")}'` : value;
}

function skip(text: string, position: number, pattern: RegExp): number {
  let cursor = position;
  while (cursor < text.length && pattern.test(text[cursor] as string)) cursor++;
  return cursor;
}
