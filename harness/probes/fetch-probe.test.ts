import { describe, expect, it } from 'vitest';
import { controlCode, controlToken, fetchCode, withCellToken } from './fetch-probe.ts';

const url = withCellToken('http://api.example.localhost:1/s/x/items', 'abc');

describe('the code a probe runs in the page', () => {
  it('is a plain fetch() call by default', () => {
    expect(fetchCode({ url, method: 'PUT' }, url)).toBe("fetch('http://api.example.localhost:1/s/x/items?corslab_cell=abc', {\n  method: 'PUT',\n})");
  });

  it('from a sandboxed frame runs the same call inside an iframe without allow-same-origin', () => {
    const code = fetchCode({ url, credentials: 'include' }, url, { from: 'sandboxed' });
    expect(code).toContain("frame.sandbox = 'allow-scripts';");
    expect(code).not.toContain('allow-same-origin');
    expect(code).toContain("credentials: \\'include\\'");
  });

  it('from a sandboxed frame makes the request only on the page\'s go-ahead, which an engine may hold (corslabFrameReady)', () => {
    const code = fetchCode({ url }, url, { from: 'sandboxed' });
    const srcdoc = /frame\.srcdoc = '(.*)';/.exec(code)![1]!;
    expect(srcdoc.indexOf('corslab:go')).toBeLessThan(srcdoc.indexOf('fetch('));
    expect(srcdoc).toContain("parent.postMessage(\\'corslab:ready\\'");
    expect(code).toContain("typeof corslabFrameReady === 'function' ? corslabFrameReady() : undefined");
  });

  it('cannot end the frame\'s script early, whatever the request holds', () => {
    const code = fetchCode({ url, body: '</script><img src=x onerror=alert(1)>', method: 'POST' }, url, { from: 'sandboxed' });
    const srcdoc = /frame\.srcdoc = '(.*)';/.exec(code)![1]!;
    expect(srcdoc.match(/<\/script/g)).toHaveLength(1);
  });

  it('with `again` makes the same request twice, the second one being what the probe reads', () => {
    const code = fetchCode({ url, method: 'PUT' }, url, { again: { afterMs: 6000 } });
    expect(code.match(/fetch\(/g)).toHaveLength(1);
    expect(code).toContain('setTimeout(resolve, 6000)');
    expect(code.trim().endsWith('return request();\n})()')).toBe(true);
  });
});

describe('a probe that asks again elsewhere', () => {
  it('makes its second request to the other URL', () => {
    const other = withCellToken('http://api.example.localhost:1/s/x/items/2', 'abc');
    const code = fetchCode({ url, method: 'PUT' }, url, { again: { afterMs: 0, url: other } });
    expect(code).toContain(`requestAgain = () => fetch('${other}'`);
    expect(code).toContain('return requestAgain();');
  });
});

describe('request bodies of each kind fetch() takes, built in the page', () => {
  it('passes a URLSearchParams, so the browser sets application/x-www-form-urlencoded;charset=UTF-8', () => {
    expect(fetchCode({ url, method: 'POST', body: { urlSearchParams: { a: '1', b: 'two words' } } }, url)).toContain("  body: new URLSearchParams({ a: '1', b: 'two words' }),");
  });

  it('fills a FormData field by field, so the browser sets multipart/form-data with its own boundary', () => {
    const code = fetchCode({ url, method: 'POST', body: { formData: { name: 'x', 'a b': 'é' } } }, url);
    expect(code.split('\n')).toEqual([
      '(() => {',
      '  const body = new FormData();',
      "  body.append('name', 'x');",
      "  body.append('a b', 'é');",
      `  return fetch('${url}', {`,
      "    method: 'POST',",
      '    body,',
      '  });',
      '})()',
    ]);
  });

  it('makes a Blob with its type, or with none so that no Content-Type is sent', () => {
    expect(fetchCode({ url, method: 'POST', body: { blob: { type: 'application/json', text: '{"a":1}' } } }, url)).toContain(`body: new Blob(['{"a":1}'], { type: 'application/json' }),`);
    expect(fetchCode({ url, method: 'POST', body: { blob: { text: 'raw' } } }, url)).toContain("body: new Blob(['raw']),");
  });

  it('keeps a string body a string literal', () => {
    expect(fetchCode({ url, method: 'POST', body: "it's" }, url)).toContain("body: 'it\\'s',");
  });
});

describe('request headers given as pairs', () => {
  it('are appended in order with Headers.append, a name given twice included', () => {
    const code = fetchCode({ url, headers: [['X-Dup', 'a'], ['X-Dup', 'b']] }, url);
    expect(code).toContain("  const headers = new Headers();\n  headers.append('X-Dup', 'a');\n  headers.append('X-Dup', 'b');\n");
    expect(code).toContain('    headers,\n');
  });

  it('still return fetch()\'s own promise, so a rejection there at once can be seen', () => {
    const code = fetchCode({ url, headers: [['X-A', '1']] }, url);
    expect(code.startsWith('(() => {')).toBe(true);
    expect(code).toMatch(/ {2}return fetch\(/);
    expect(code.endsWith('})()')).toBe(true);
  });

  it('as a mapping stay an object literal', () => {
    expect(fetchCode({ url, headers: { 'X-A': '1' } }, url)).toContain("headers: { 'X-A': '1' },");
  });
});

describe('the control request after a silent rejection', () => {
  it('is a no-cors GET without credentials, which any browser sends and which carries no cookie', () => {
    expect(controlCode('http://api.example.localhost:1/s/x/items?corslab_cell=ctlabc')).toBe("fetch('http://api.example.localhost:1/s/x/items?corslab_cell=ctlabc', { mode: 'no-cors', credentials: 'omit' })");
  });

  it('has a token no cell can have: cell tokens start with hex digits', () => {
    expect(controlToken('a05eee9')).toBe('ctla05eee9');
    expect(/^[0-9a-f]{6}/.test(controlToken('a05eee9'))).toBe(false);
  });
});

describe('a probe that asks again with another credentials mode or other headers', () => {
  it('makes its second request with `again`\'s credentials mode and the first one\'s headers', () => {
    const code = fetchCode({ url, method: 'PUT', headers: { 'X-A': '1' } }, url, { again: { afterMs: 0, credentials: 'include' } });
    const second = code.slice(code.indexOf('const requestAgain'));
    expect(second).toContain("credentials: 'include',");
    expect(second).toContain("'X-A'");
    expect(code.slice(0, code.indexOf('const requestAgain'))).not.toContain('credentials');
    expect(code).toContain('return requestAgain();');
  });

  it('makes its second request with `again`\'s headers instead of the first one\'s', () => {
    const code = fetchCode({ url, method: 'PUT', headers: { 'X-A': '1' } }, url, { again: { afterMs: 0, headers: { 'X-B': '2' } } });
    const second = code.slice(code.indexOf('const requestAgain'));
    expect(second).toContain("'X-B'");
    expect(second).not.toContain("'X-A'");
  });
});
