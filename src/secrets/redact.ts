// Scrubs secrets from text before it reaches a terminal or a log: the values registered
// with add() (in their raw, URL-encoded and JSON-escaped forms) and anything that looks
// like a credential in an HTTP trace (form fields, JSON fields, bearer tokens, JWTs).

export const REDACTED = '[redacted]';
export const MIN_SECRET_LENGTH = 12;

export interface Redactor {
  add(secret: string): void;
  redact(text: string): string;
}

const SENSITIVE_NAMES = 'client_secret|client_assertion|access_token|refresh_token|id_token|assertion|password|secretText|clientSecret';

const PATTERNS: Array<[RegExp, string]> = [
  // "access_token": "…" in JSON bodies (escaped quotes inside the value included)
  [new RegExp(`("(?:${SENSITIVE_NAMES})"\\s*:\\s*")(?:[^"\\\\]|\\\\.)*(")`, 'giu'), `$1${REDACTED}$2`],
  // client_secret=… in form bodies and query strings
  [new RegExp(`(?<![\\w-])((?:${SENSITIVE_NAMES})=)[^&\\s"']+`, 'giu'), `$1${REDACTED}`],
  // ClientSecret=… / Secret=… in connection strings, quoted or not
  [/(?<![\w-])((?:client)?secret\s*=\s*)(?:'(?:[^']|'')*'|"(?:[^"]|"")*"|[^;\s]+)/giu, `$1${REDACTED}`],
  // Authorization: Bearer …, Basic …
  // (a credential is long; "Basic User", a Dataverse role, is not one)
  [/\b(bearer|basic)(\s+)[A-Za-z0-9\-._~+/]{12,}=*/giu, `$1$2${REDACTED}`],
  // any JWT (client assertions, access tokens) wherever it appears
  [/\beyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/gu, REDACTED],
];

export function createRedactor(): Redactor {
  const secrets = new Set<string>();
  let longestFirst: string[] | undefined;
  return {
    add(secret) {
      // A short value (a weak passphrase, "pp") would blank ordinary words, mangle JSON keys and
      // give itself away by where the blanks fall; the credentials that travel are long.
      if (secret.length < MIN_SECRET_LENGTH) return;
      for (const form of encodedForms(secret)) secrets.add(form);
      longestFirst = undefined;
    },
    redact(text) {
      // Plain string search, longest form first: a secret of any size and content (1 MiB of random
      // bytes piped in by mistake) is found, where one regular expression of them all was too large.
      longestFirst ??= [...secrets].sort((a, b) => b.length - a.length);
      let result = text;
      for (const secret of longestFirst) if (result.includes(secret)) result = result.replaceAll(secret, REDACTED);
      for (const [pattern, replacement] of PATTERNS) result = result.replace(pattern, replacement);
      return result;
    },
  };
}

function encodedForms(secret: string): string[] {
  return [
    secret,
    uriEncoded(secret),
    new URLSearchParams({ s: secret }).toString().slice(2),
    JSON.stringify(secret).slice(1, -1),
    secret.replaceAll("'", "''"),
  ].filter((form) => form.length >= MIN_SECRET_LENGTH);
}

/** encodeURIComponent throws on a lone surrogate; URLSearchParams' form covers such a value. */
function uriEncoded(secret: string): string {
  try {
    return encodeURIComponent(secret);
  } catch {
    return '';
  }
}
