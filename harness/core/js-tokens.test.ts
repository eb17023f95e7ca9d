import { describe, expect, it } from 'vitest';
import { codeTokens, jsTokens } from './js-tokens.ts';

const kinds = (code: string) => jsTokens(code).map((t) => `${t.kind}:${t.text}`);

describe('tokenizing a snippet of JavaScript', () => {
  it('tells comments and strings from code', () => {
    expect(kinds("// handler\napp.use(x) /* handler */ 'handler'")).toEqual([
      'comment:// handler', 'identifier:app', 'punct:.', 'identifier:use', 'punct:(', 'identifier:x', 'punct:)', 'comment:/* handler */', "string:'handler'",
    ]);
  });

  it('reads a regular expression where an expression starts, and a division after a value', () => {
    expect(kinds('x = a / b / c').filter((k) => k.startsWith('regex'))).toEqual([]);
    const regex = codeTokens('cors({ origin: /app\\.example\\.com$/i })').find((t) => t.kind === 'regex');
    expect(regex).toMatchObject({ value: 'app\\.example\\.com$', flags: 'i' });
    expect(codeTokens('return /[/]x/.test(s)').find((t) => t.kind === 'regex')?.value).toBe('[/]x');
  });

  it('reads a string\'s value with its escapes', () => {
    expect(codeTokens("new RegExp('^a\\\\.b\\u0041')")[3]).toMatchObject({ kind: 'string', value: '^a\\.bA' });
  });

  it('keeps the code inside a template literal\'s substitutions, and the text around them as template parts', () => {
    expect(kinds('`a ${handler} b`')).toEqual(['template:`a ${', 'identifier:handler', 'template:} b`']);
    expect(kinds('`${ {a: 1}.a }`')).toEqual(['template:`${', 'punct:{', 'identifier:a', 'punct::', 'number:1', 'punct:}', 'punct:.', 'identifier:a', 'template:}`']);
  });

  it('never throws on text that is not JavaScript', () => {
    expect(() => jsTokens("map $http_origin $cors { default ''; \"~^https://a\" $http_origin; }\n# a comment with 'a quote\nSetEnvIf Origin \"^x\" A=$0 `")).not.toThrow();
  });
});
