import type { CookieSpec } from '../../harness/core/format.ts';

/** Path on the page server that sets a scenario's cookies for whichever host it is visited on. */
export const COOKIE_SETUP_PATH = '/__corslab/cookies';

const NAME = /^[A-Za-z0-9_-]{1,64}$/;
const VALUE = /^[A-Za-z0-9_.-]{0,128}$/;
const SAME_SITE = new Set(['unset', 'Lax', 'Strict', 'None']);

/**
 * The Set-Cookie header for one cookie. The scenario schema already limits
 * names and values to safe characters; checking again here means no request
 * to the page server can put anything else into a response header.
 */
export function setCookieHeader(cookie: CookieSpec): string {
  if (!NAME.test(cookie.name)) throw new Error(`cookie name ${JSON.stringify(cookie.name)} has characters other than letters, digits, _ and -`);
  const value = cookie.value ?? '1';
  if (!VALUE.test(value)) throw new Error(`cookie value ${JSON.stringify(value)} has characters other than letters, digits, _, . and -`);
  const sameSite = cookie.sameSite ?? 'unset';
  if (!SAME_SITE.has(sameSite)) throw new Error(`SameSite ${JSON.stringify(sameSite)} is not one of unset, Lax, Strict, None`);
  const parts = [`${cookie.name}=${value}`, 'Path=/'];
  if (sameSite !== 'unset') parts.push(`SameSite=${sameSite}`);
  if (cookie.secure) parts.push('Secure');
  return parts.join('; ');
}

/** The URL a fresh browser context visits first, top-level, so the cookies are set first-party on `origin`'s host. */
export function cookieSetupUrl(origin: string, cookies: readonly CookieSpec[]): string {
  return `${origin}${COOKIE_SETUP_PATH}?spec=${encodeURIComponent(JSON.stringify(cookies))}`;
}
