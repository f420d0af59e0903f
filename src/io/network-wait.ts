import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';

const REQUEST_START = 'http.client.request.start';

/**
 * Calls `work` once, as soon as this process waits on the network: when the next request made
 * through node:http(s) (the admin sign-in's, sent by @azure/identity) has been written out, or
 * after `fallbackMs` if that has not happened by then (a sign-in through the Azure CLI, a request
 * that failed before it was sent). Work no request needs yet, started there, fills the wait for an
 * answer instead of delaying the request.
 */
export function whenWaitingOnNetwork(work: () => void, fallbackMs = 50): void {
  let done = false;
  const run = () => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    unsubscribe(REQUEST_START, onRequest);
    setImmediate(work);
  };
  const onRequest = (message: unknown) => {
    unsubscribe(REQUEST_START, onRequest);
    (message as { request: ClientRequest }).request.once('finish', run);
  };
  const timer = setTimeout(run, fallbackMs);
  subscribe(REQUEST_START, onRequest);
}
