/**
 * The recorder keeps header values exactly as sent, surrounding spaces and
 * tabs included. A browser compares them without: a header list's values
 * have "no leading or trailing HTTP tab or space bytes"
 * (https://fetch.spec.whatwg.org/#header-value), as HTTP's parser drops the
 * whitespace around a field value (RFC 9112 §5: `field-name ":" OWS
 * field-value OWS`). The model reads every value through one normalizing
 * accessor (https://fetch.spec.whatwg.org/#concept-header-value-normalize).
 */
import { describe, expect, it } from 'vitest';
import { corsCheck } from './cors-check.ts';
import { findUnsafeCorsConfig } from './findings.ts';
import { getHeader, headerLines, normalizeHeaderValue } from './headers.ts';
import { checkPreflight } from './preflight.ts';
import { followRedirect } from './redirect.ts';
import { prepareRequest } from './request.ts';
import { checkResponse } from './response.ts';
import type { HeaderPair } from './types.ts';

const APP = 'http://app.example.localhost:1';
const API = 'http://api.example.localhost:2';
const padded = (value: string) => `  ${value}  \t `;

describe('header values are normalized before the model compares them', () => {
  it('strips leading and trailing HTTP whitespace bytes, 0x09 0x0A 0x0D 0x20, and nothing inside', () => {
    expect(normalizeHeaderValue(' \t\r\n a \t b \r\n\t ')).toBe('a \t b');
    // U+00A0 (byte 0xA0 in a latin1 byte string) is not HTTP whitespace.
    expect(normalizeHeaderValue('\u00a0x\u00a0')).toBe('\u00a0x\u00a0');
    expect(headerLines([['X', padded('a')], ['x', '\tb']], 'X')).toEqual(['a', 'b']);
    // https://fetch.spec.whatwg.org/#concept-header-list-get: the normalized values joined with ", ".
    expect(getHeader([['X', padded('a')], ['x', '\tb']], 'x')).toBe('a, b');
  });

  it(`allows Access-Control-Allow-Origin \`${padded(APP)}\`: the CORS check compares the header list's value, which has no surrounding whitespace`, () => {
    // https://fetch.spec.whatwg.org/#concept-cors-check, step 1: "getting" Access-Control-Allow-Origin.
    expect(corsCheck({ origin: APP, credentials: 'same-origin' }, [['Access-Control-Allow-Origin', padded(APP)]], 'response')).toMatchObject({ ok: true });
    expect(corsCheck({ origin: APP, credentials: 'omit' }, [['Access-Control-Allow-Origin', ' * ']], 'response')).toMatchObject({ ok: true });
  });

  it("passes Access-Control-Allow-Credentials ` true `: the check is that the value is `true` (https://fetch.spec.whatwg.org/#concept-cors-check, step 7)", () => {
    const headers: HeaderPair[] = [['Access-Control-Allow-Origin', padded(APP)], ['Access-Control-Allow-Credentials', ' true ']];
    expect(corsCheck({ origin: APP, credentials: 'include' }, headers, 'response')).toMatchObject({ ok: true });
    // Whitespace inside a value is the value's own: `tr ue` is not `true`.
    expect(corsCheck({ origin: APP, credentials: 'include' }, [['Access-Control-Allow-Origin', APP], ['Access-Control-Allow-Credentials', 'tr ue']], 'response')).toMatchObject({
      ok: false,
      failures: [{ rule: 'allow-credentials-not-true', observed: ['tr ue'] }],
    });
  });

  it('still fails an origin that differs inside the value, and shows the value the browser compared', () => {
    const r = corsCheck({ origin: APP, credentials: 'same-origin' }, [['Access-Control-Allow-Origin', padded(`${APP}/`)]], 'response');
    expect(r.failures[0]).toMatchObject({ rule: 'allow-origin-mismatch', observed: [`${APP}/`], detail: 'trailing-slash' });
  });

  it('reads padded Access-Control-Allow-Methods, -Headers and -Max-Age of a preflight (https://fetch.spec.whatwg.org/#cors-preflight-fetch)', () => {
    const plan = prepareRequest({ pageOrigin: APP, url: `${API}/items`, method: 'PUT', headers: { 'X-Token': '1' } });
    const outcome = checkPreflight(plan, {
      status: 204,
      headers: [
        ['Access-Control-Allow-Origin', padded(APP)],
        ['Access-Control-Allow-Methods', '\t PUT \t'],
        ['Access-Control-Allow-Headers', '  x-token '],
        ['Access-Control-Max-Age', ' 600\t'],
      ],
    });
    expect(outcome).toMatchObject({ ok: true, maxAge: { seconds: 600, fromHeader: true, observed: ['600'] } });
  });

  it('exposes a header named in a padded Access-Control-Expose-Headers, and JavaScript reads values without the padding', () => {
    const plan = prepareRequest({ pageOrigin: APP, url: `${API}/items` });
    const outcome = checkResponse(plan, {
      status: 200,
      headers: [
        ['Access-Control-Allow-Origin', padded(APP)],
        ['Access-Control-Expose-Headers', '\tX-Total-Count '],
        ['X-Total-Count', '  42 '],
      ],
    });
    expect(outcome).toMatchObject({ result: 'allowed' });
    expect(outcome.readable).toContainEqual(['x-total-count', '42']);
  });

  it('follows a redirect to a padded Location (https://fetch.spec.whatwg.org/#concept-response-location-url)', () => {
    const plan = prepareRequest({ pageOrigin: APP, url: `${API}/old` });
    const outcome = followRedirect(plan, { status: 302, headers: [['Access-Control-Allow-Origin', APP], ['Location', padded(`${API}/new`)]] });
    expect(outcome).toMatchObject({ kind: 'follow', location: `${API}/new` });
  });

  it('finds `Origin` in a padded Vary, so a reflected origin with ` Origin ` is no finding', () => {
    const EVIL = 'http://evil.localhost:1';
    const answer = (vary: string) => findUnsafeCorsConfig({ requestOrigin: APP, headers: [['Access-Control-Allow-Origin', padded(APP)], ['Vary', vary]] }, [APP]);
    expect(answer('\t Origin ')).toEqual([]);
    expect(answer(' Accept ,\tOrigin ')).toEqual([]);
    expect(answer(' Accept ').map((f) => f.id)).toEqual(['reflected-origin-without-vary']);
    // 0xA0 is obs-text, not whitespace (RFC 9110 §5.5): `\u00a0Origin` names another field.
    expect(answer('\u00a0Origin').map((f) => f.id)).toEqual(['reflected-origin-without-vary']);
    expect(findUnsafeCorsConfig({ requestOrigin: EVIL, headers: [['Access-Control-Allow-Origin', padded(EVIL)], ['Vary', 'Origin']] }, [APP]).map((f) => f.id)).toEqual(['foreign-origin-reflected']);
  });
});
