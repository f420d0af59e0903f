import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';

const REQUEST_START = 'http.client.request.start';

/**
 * Calls `work` once, as soon as this process waits on the network: when the next request made
 * through node:http(s) (the admin sign-in's, sent by @azure/identity) has been written out or has
 * failed, however long its connection takes; or after `fallbackMs` if no request has started by
 * then (a sign-in through the Azure CLI, say). Work no request needs yet, started there, fills
 * the wait for an answer instead of delaying the request.
 */
export function whenWaitingOnNetwork(work: () => void, fallbackMs = 50, sendingLimitMs = 10_000): void {
  let done = false;
  let timer: NodeJS.Timeout;
  const run = () => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    unsubscribe(REQUEST_START, onRequest);
    setImmediate(work);
  };
  const onRequest = (message: unknown) => {
    unsubscribe(REQUEST_START, onRequest);
    clearTimeout(timer);
    timer = setTimeout(run, sendingLimitMs); // a request that neither goes out nor fails
    const request = (message as { request: ClientRequest }).request;
    request.once('finish', run).once('close', run); // 'close' also follows a failure
  };
  timer = setTimeout(run, fallbackMs);
  subscribe(REQUEST_START, onRequest);
}
