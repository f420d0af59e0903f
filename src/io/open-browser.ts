// Opens a URL in the user's browser, or says it cannot. BROWSER=none (the convention git and
// Python's webbrowser share) means "never open one": the URL is printed instead, which is also how
// the tests and `dynauth sandbox` play the browser.
import { spawn } from 'node:child_process';
import { playSandboxBrowser } from './sandbox-browser.ts';

export interface BrowserChoice {
  platform: NodeJS.Platform;
  env: Record<string, string | undefined>;
  /** Whether a desktop is there to show a browser (deps.canOpenBrowser). */
  canOpenBrowser: boolean;
}

/** Whether a browser should be tried at all. */
export function browserWanted(choice: BrowserChoice): boolean {
  return choice.canOpenBrowser && choice.env.BROWSER?.trim().toLowerCase() !== 'none';
}

/**
 * Starts the platform's opener with the URL as a single argument (never through a shell, so the
 * URL's & and ? are not interpreted); resolves false when the opener could not be started. In
 * `dynauth sandbox` the sandbox's own browser answers instead, with what it did.
 */
export async function openBrowser(url: string, choice: BrowserChoice): Promise<boolean | string> {
  if (choice.env.DYNAUTH_SANDBOX_BROWSER) {
    const played = await playSandboxBrowser(url);
    if (played) return played;
  }
  if (!browserWanted(choice)) return false;
  return startOpener(url, choice);
}

function startOpener(url: string, choice: BrowserChoice): Promise<boolean> {
  const [command, ...args] =
    choice.platform === 'darwin'
      ? ['open', url]
      : choice.platform === 'win32'
        ? ['rundll32', 'url.dll,FileProtocolHandler', url]
        : ['xdg-open', url];
  return new Promise((resolve) => {
    try {
      const child = spawn(command!, args, { stdio: 'ignore', detached: true });
      child.once('error', () => resolve(false));
      child.once('spawn', () => {
        child.unref();
        resolve(true);
      });
    } catch {
      resolve(false);
    }
  });
}
