/**
 * An OData string literal ready to sit in a URL query: quotes doubled as OData wants, then
 * percent-encoded, so names with & # + % (an app "Sync A+B", a unit "Sales & Marketing") reach
 * the service intact instead of cutting or changing the filter.
 */
export function odataString(value: string): string {
  return encodeURIComponent(`'${value.replace(/'/g, "''")}'`);
}
