// In `dynauth sandbox` nobody needs a browser: the sandbox sets DYNAUTH_SANDBOX_BROWSER and the
// sign-in's "browser" is this: the emulator's authorize address is visited (it approves as its
// seeded integration account, and says so in a header), and its redirect followed to dynauth's
// own loopback listener. Only an address on 127.0.0.1 (the emulator) is ever visited this way.

/** The header the emulator's authorize endpoint names the approving account in. */
export const SANDBOX_APPROVED_AS_HEADER = 'x-dynauth-sandbox-approved-as';

/** Plays the browser against the sandbox; returns what happened, or undefined when it could not (then the address is printed). */
export async function playSandboxBrowser(url: string): Promise<string | undefined> {
  if (new URL(url).hostname !== '127.0.0.1') return undefined;
  try {
    const answer = await fetch(url, { redirect: 'manual' });
    const location = answer.headers.get('location');
    await answer.body?.cancel();
    if (answer.status !== 302 || !location) return undefined;
    // The listener answers once the sign-in has the code: not awaited, the sign-in waits for it.
    void fetch(location)
      .then((back) => back.body?.cancel())
      .catch(() => {});
    return `dynauth sandbox played the browser: it approved the sign-in as ${answer.headers.get(SANDBOX_APPROVED_AS_HEADER) ?? 'its integration account'}.`;
  } catch {
    return undefined;
  }
}
