import { defaults } from '../config/defaults.ts';

/**
 * The function every engine runs in the page for one probe. It evaluates the
 * probe's code (an expression giving a Promise of a Response), then reads what
 * JavaScript is allowed to read: status, the headers the browser lets through
 * (the Headers object of a CORS response is already filtered,
 * https://fetch.spec.whatwg.org/#concept-filtered-response-cors) and the body.
 * A rejection is kept as the page saw it, with whether it was there at once,
 * when fetch() returned: then the browser refused the request without
 * fetching anything, as when the Request constructor throws
 * (https://fetch.spec.whatwg.org/#dom-global-fetch, step 2). Nothing the
 * network does can reach the page before fetch() returns, so a network
 * error, a CORS failure included, always comes later. A race with an
 * already-resolved value tells the two apart: promise jobs run in order, so
 * the probe's rejection wins only if it had happened when the code returned.
 * A probe that takes too long resolves as a timeout: the runner turns that
 * into an error, never into "blocked".
 *
 * It is a string so that Playwright (evaluate) and WebDriver (executeAsyncScript)
 * run the very same code.
 */
export const PROBE_RUNNER_SOURCE = `async (code, timeoutMs, maxBodyChars) => {
  const attempt = async () => {
    let atOnce = true;
    try {
      const returned = (0, eval)(code);
      const notYet = {};
      const first = await Promise.race([returned, notYet]);
      atOnce = false;
      const response = first === notYet ? await returned : first;
      const headers = [];
      response.headers.forEach((value, name) => headers.push([name, value]));
      let body = '';
      try { body = await response.text(); } catch (error) { body = ''; }
      return {
        kind: 'response', type: response.type, status: response.status, statusText: response.statusText,
        headers, body: body.slice(0, maxBodyChars), bodyTruncated: body.length > maxBodyChars,
      };
    } catch (error) {
      return { kind: 'error', name: String(error && error.name), message: String(error && error.message), atOnce };
    }
  };
  let timer;
  const timeout = new Promise((resolve) => { timer = setTimeout(() => resolve({ kind: 'timeout', afterMs: timeoutMs }), timeoutMs); });
  try { return await Promise.race([attempt(), timeout]); } finally { clearTimeout(timer); }
}`;

/** The probe runner applied to one probe, as an expression. */
export function probeRunnerCall(code: string, timeoutMs: number): string {
  return `(${PROBE_RUNNER_SOURCE})(${JSON.stringify(code)}, ${timeoutMs}, ${defaults.maxBodyBytes})`;
}
