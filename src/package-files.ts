// Files of the installed package. This module sits one level below the package root both as
// source (src/) and when bundled (every dist/ chunk lies directly in dist/).
export function packageFile(path: string): URL {
  return new URL(`../${path}`, import.meta.url);
}
