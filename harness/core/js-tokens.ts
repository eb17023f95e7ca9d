/**
 * A small JavaScript tokenizer for the snippets scenarios hold (stack code,
 * Next.js route modules): enough to tell code from comments and strings, and
 * a regular expression literal from a division, so that a rule about the code
 * reads the code and not any text in it. It never throws: text that is not
 * JavaScript (an nginx config beside the app's code) comes out as tokens of
 * some kind, and the rules that read them look for JavaScript shapes.
 *
 * Not a parser: no automatic semicolons, no JSX; a template literal's text is
 * one token per part, its `${...}` expressions are tokens like any others.
 */

export type JsTokenKind = 'identifier' | 'number' | 'string' | 'template' | 'regex' | 'punct' | 'comment';

export interface JsToken {
  kind: JsTokenKind;
  /** The source text of the token. */
  text: string;
  /** For a string or template part: its value (escapes read); for a regex: its pattern. */
  value: string;
  /** For a regex: its flags. */
  flags?: string;
  start: number;
  end: number;
}

/** After these, a `/` starts a regular expression; after anything else that is a value, it divides. */
const KEYWORDS_BEFORE_EXPRESSION = new Set(['return', 'typeof', 'instanceof', 'in', 'of', 'new', 'delete', 'void', 'throw', 'case', 'do', 'else', 'yield', 'await']);
const PUNCTUATORS = ['>>>=', '...', '===', '!==', '**=', '<<=', '>>=', '>>>', '&&=', '||=', '??=', '=>', '==', '!=', '<=', '>=', '&&', '||', '??', '?.', '++', '--', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '<<', '>>', '**'];
const ID_START = /[A-Za-z_$\u00a0-\uffff]/;
const ID_PART = /[\w$\u00a0-\uffff]/;

/** The tokens of `source`, comments included (filter them out with `codeTokens`). */
export function jsTokens(source: string): JsToken[] {
  const tokens: JsToken[] = [];
  // For each `${` of a template still open, the brace depth it opened at.
  const templates: number[] = [];
  let braces = 0;
  let i = 0;
  const push = (kind: JsTokenKind, start: number, end: number, value = source.slice(start, end), flags?: string) =>
    tokens.push({ kind, text: source.slice(start, end), value, start, end, ...(flags === undefined ? {} : { flags }) });
  const lastCode = () => {
    for (let k = tokens.length - 1; k >= 0; k--) if (tokens[k]!.kind !== 'comment') return tokens[k];
    return undefined;
  };
  const regexAllowed = () => {
    const last = lastCode();
    if (!last) return true;
    if (last.kind === 'identifier') return KEYWORDS_BEFORE_EXPRESSION.has(last.text);
    if (last.kind === 'punct') return ![')', ']', '}'].includes(last.text);
    return false; // after a number, string, template or regex: a division
  };
  /** Reads a template part from `i` (just past a backtick or a `}` closing a substitution) to its end. */
  const templatePart = (start: number) => {
    let value = '';
    while (i < source.length) {
      const c = source[i]!;
      if (c === '\\') {
        value += unescapeAt(source, i);
        i += escapeLength(source, i);
      } else if (c === '`') {
        i++;
        push('template', start, i, value);
        return;
      } else if (c === '$' && source[i + 1] === '{') {
        i += 2;
        push('template', start, i, value);
        templates.push(braces);
        braces++;
        return;
      } else {
        value += c;
        i++;
      }
    }
    push('template', start, i, value);
  };

  while (i < source.length) {
    const c = source[i]!;
    const start = i;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '/' && source[i + 1] === '/') {
      while (i < source.length && source[i] !== '\n') i++;
      push('comment', start, i);
    } else if (c === '/' && source[i + 1] === '*') {
      const close = source.indexOf('*/', i + 2);
      i = close < 0 ? source.length : close + 2;
      push('comment', start, i);
    } else if (c === '"' || c === "'") {
      let value = '';
      i++;
      while (i < source.length && source[i] !== c && source[i] !== '\n') {
        if (source[i] === '\\') {
          value += unescapeAt(source, i);
          i += escapeLength(source, i);
        } else value += source[i++];
      }
      if (source[i] === c) i++;
      push('string', start, i, value);
    } else if (c === '`') {
      i++;
      templatePart(start);
    } else if (c === '}' && templates.length > 0 && templates[templates.length - 1] === braces - 1) {
      templates.pop();
      braces--;
      i++;
      templatePart(start);
    } else if (c === '/' && regexAllowed()) {
      let inClass = false;
      i++;
      while (i < source.length && source[i] !== '\n') {
        const d = source[i]!;
        if (d === '\\') i += 2;
        else if (inClass) {
          if (d === ']') inClass = false;
          i++;
        } else if (d === '[') {
          inClass = true;
          i++;
        } else if (d === '/') break;
        else i++;
      }
      if (source[i] !== '/') {
        // Not a regex after all (a lone slash at the end of a line): a punctuator.
        i = start + 1;
        push('punct', start, i);
        continue;
      }
      const pattern = source.slice(start + 1, i);
      i++;
      const flagsStart = i;
      while (i < source.length && /[a-z]/i.test(source[i]!)) i++;
      push('regex', start, i, pattern, source.slice(flagsStart, i));
    } else if (ID_START.test(c)) {
      while (i < source.length && ID_PART.test(source[i]!)) i++;
      push('identifier', start, i);
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(source[i + 1] ?? ''))) {
      while (i < source.length && /[\w.]/.test(source[i]!)) i++;
      push('number', start, i);
    } else {
      const punct = PUNCTUATORS.find((p) => source.startsWith(p, i)) ?? c;
      i += punct.length;
      if (punct === '{') braces++;
      else if (punct === '}') braces = Math.max(0, braces - 1);
      push('punct', start, i);
    }
  }
  return tokens;
}

/** The tokens that are code: no comments. */
export function codeTokens(source: string): JsToken[] {
  return jsTokens(source).filter((t) => t.kind !== 'comment');
}

function escapeLength(source: string, i: number): number {
  const next = source[i + 1];
  if (next === 'x') return 4;
  if (next === 'u') return source[i + 2] === '{' ? source.indexOf('}', i) - i + 1 || 2 : 6;
  return 2;
}

/** The character an escape sequence at `i` stands for (line continuations read as nothing). */
function unescapeAt(source: string, i: number): string {
  const next = source[i + 1] ?? '';
  const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', v: '\v', 0: '\0', '\n': '' };
  if (next in simple) return simple[next]!;
  if (next === 'x') return String.fromCharCode(parseInt(source.slice(i + 2, i + 4), 16) || 0);
  if (next === 'u') {
    const hex = source[i + 2] === '{' ? source.slice(i + 3, source.indexOf('}', i)) : source.slice(i + 2, i + 6);
    const code = parseInt(hex, 16);
    return Number.isFinite(code) && code <= 0x10ffff ? String.fromCodePoint(code) : '';
  }
  return next;
}
