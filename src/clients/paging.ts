import { DynauthError } from '../cli/errors.ts';
import { quoteServerText } from '../http/server-text.ts';

/**
 * More pages than any list dynauth reads has (Dataverse pages hold 5000 rows, and its longest list,
 * every privilege, has a few thousand). A list that goes on past this is a server looping.
 */
export const MAX_PAGES = 500;

const HINT =
  "A proxy or a misconfigured --cloud-config may be answering in the service's place. Run again with --verbose to see the requests.";

/**
 * Follows the next-page links of one list and refuses, rather than returning part of the list (a
 * role or user not found would then be made twice), a link to another place than the list's own
 * service, a link already followed, or a list longer than MAX_PAGES.
 */
export function pageLinks(
  service: string,
  operation: string,
  firstUrl: string,
  allowedPrefix: string,
): (link: unknown) => string | undefined {
  const followed = new Set([firstUrl]);
  return (link) => {
    if (link === undefined || link === null || link === '') return undefined;
    const shown = quoteServerText(String(link), 200);
    if (typeof link !== 'string' || !isUnder(link, allowedPrefix)) {
      throw new DynauthError(
        `${service} pointed the next page of its answer to ${operation} at ${shown}, outside ${allowedPrefix}; dynauth does not follow it.`,
        {
          hint: HINT,
          code: 'bad-next-link',
        },
      );
    }
    if (followed.has(link)) {
      throw new DynauthError(
        `${service} answered ${operation} with a next page it had already sent (${shown}); dynauth stopped following it.`,
        {
          hint: HINT,
          code: 'repeated-next-link',
        },
      );
    }
    if (followed.size >= MAX_PAGES) {
      throw new DynauthError(`${service} answered ${operation} with more than ${MAX_PAGES} pages; dynauth stopped following them.`, {
        hint: HINT,
        code: 'too-many-pages',
      });
    }
    followed.add(link);
    return link;
  };
}

/** Same origin (scheme, host, port) and under the prefix's path: no user info, no other host. */
function isUnder(link: string, prefix: string): boolean {
  let url: URL;
  try {
    url = new URL(link);
  } catch {
    return false;
  }
  const allowed = new URL(prefix);
  return (
    url.origin === allowed.origin && !url.username && !url.password && url.pathname.toLowerCase().startsWith(allowed.pathname.toLowerCase())
  );
}
