import { describe, expect, it } from 'vitest';
import { fetchCode, withCellToken } from './fetch-probe.ts';

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
