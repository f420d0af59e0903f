/**
 * The most of any one server text (an error message, a name, a header) a message quotes. Microsoft's
 * own error messages fit (Dataverse's missing-privilege message, the longest, is about 300); a
 * longer one comes from something else and is cut, saying how much was left out.
 */
export const SERVER_TEXT_LIMIT = 500;

export function quoteServerText(text: string, limit = SERVER_TEXT_LIMIT): string {
  if (text.length <= limit) return text;
  return `${text.slice(0, limit)}… (${text.length - limit} more characters)`;
}
