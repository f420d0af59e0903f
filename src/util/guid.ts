/** An Entra or Dataverse id: 32 hex digits grouped 8-4-4-4-12, in either case. */
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `value` is a GUID; with `braces`, also one written "{…}" as Windows and .NET print it. */
export function isGuid(value: string, options: { braces?: boolean } = {}): boolean {
  return GUID.test(options.braces ? value.replace(/^\{/, '').replace(/\}$/, '') : value);
}
