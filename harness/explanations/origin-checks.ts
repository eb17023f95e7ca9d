/**
 * What a stack's code does with the request's Origin, read from its tokens
 * (harness/core/js-tokens.ts), so that comments, strings and regular
 * expressions used for something else never count:
 *
 *   originPatterns(code)      the regular expressions applied to the request's Origin:
 *                             given as `origin` to cors or @fastify/cors (alone or in
 *                             a list), or tested against the Origin value with
 *                             `.test(origin)`, `.exec(origin)` or `origin.match(...)`
 *   readsRequestOrigin(code)  whether the answer can depend on the Origin at all: the
 *                             code reads the header, or gives the CORS library an
 *                             origin option it checks per request (a list, a pattern,
 *                             `true`, a function); nginx's $http_origin and Apache's
 *                             SetEnvIf Origin count too
 */
import { codeTokens, type JsToken } from '../core/js-tokens.ts';

export interface OriginPattern {
  /** The pattern's source, as the RegExp constructor takes it. */
  source: string;
  flags: string;
  /** How the code applies it to the Origin, for people. */
  how: string;
}

type Span = { start: number; end: number };
/** The tokens of a snippet, and the snippet (for the line ends between them). */
type Code = { tokens: JsToken[]; source: string };

const isPunct = (t: JsToken | undefined, ...texts: string[]) => t?.kind === 'punct' && texts.includes(t.text);
const isIdent = (t: JsToken | undefined, ...texts: string[]) => t?.kind === 'identifier' && (texts.length === 0 || texts.includes(t.text));
const isDot = (t: JsToken | undefined) => isPunct(t, '.', '?.');
/** The key `origin` in an object literal or an options object: `origin:` or `'origin':`. */
const isOriginKey = (tokens: JsToken[], i: number) => {
  const t = tokens[i];
  const key = (t?.kind === 'identifier' && t.text === 'origin') || (t?.kind === 'string' && t.value === 'origin');
  return key && isPunct(tokens[i + 1], ':') && (i === 0 || isPunct(tokens[i - 1], '{', ','));
};

/** Index of the token that closes the bracket opened at `open`, or the last index. */
function closing(tokens: JsToken[], open: number): number {
  const pairs: Record<string, string> = { '(': ')', '[': ']', '{': '}' };
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind !== 'punct' && t.kind !== 'template') continue;
    if (t.kind === 'punct' && t.text in pairs) depth++;
    else if (t.kind === 'punct' && Object.values(pairs).includes(t.text)) depth--;
    else if (t.kind === 'template' && t.text.endsWith('${')) depth++;
    else if (t.kind === 'template' && t.text.startsWith('}')) depth--;
    if (depth === 0) return i;
  }
  return tokens.length - 1;
}

/** Index of the token that opens the bracket closed at `close`. */
function opening(tokens: JsToken[], close: number): number {
  const pairs: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
  let depth = 0;
  for (let i = close; i >= 0; i--) {
    const t = tokens[i]!;
    if (t.kind !== 'punct') continue;
    if (t.text in pairs) depth++;
    else if (Object.values(pairs).includes(t.text)) depth--;
    if (depth === 0) return i;
  }
  return 0;
}

/** The `[` of the array literal directly around `at`, if `at` is one of its elements. */
function enclosingArray(tokens: JsToken[], at: number): number | undefined {
  let depth = 0;
  for (let i = at - 1; i >= 0; i--) {
    const t = tokens[i]!;
    if (t.kind !== 'punct') continue;
    if ([')', ']', '}'].includes(t.text)) depth++;
    else if (['(', '[', '{'].includes(t.text)) {
      if (depth === 0) return t.text === '[' ? i : undefined;
      depth--;
    }
  }
  return undefined;
}

/** The regular expressions in the code: literals, and `new RegExp('...')` / `RegExp('...')` with a constant pattern. */
function regexExpressions(tokens: JsToken[]): (Span & { source: string; flags: string })[] {
  const found: (Span & { source: string; flags: string })[] = [];
  tokens.forEach((t, i) => {
    if (t.kind === 'regex') found.push({ start: i, end: i, source: t.value, flags: t.flags ?? '' });
    if (isIdent(t, 'RegExp') && isPunct(tokens[i + 1], '(')) {
      const pattern = tokens[i + 2];
      const constant = pattern?.kind === 'string' || (pattern?.kind === 'template' && pattern.text.startsWith('`') && pattern.text.endsWith('`') && pattern.text.length > 1);
      if (!constant) return;
      const close = closing(tokens, i + 1);
      const flags = isPunct(tokens[i + 3], ',') && tokens[i + 4]?.kind === 'string' ? tokens[i + 4]!.value : '';
      found.push({ start: isIdent(tokens[i - 1], 'new') ? i - 1 : i, end: close, source: pattern!.value, flags });
    }
  });
  return found;
}

/**
 * The names that hold the request's Origin: `origin` itself, a variable
 * initialised from an expression that reads the Origin (`const o =
 * req.headers.origin`), and the first parameter of an origin callback
 * (`origin: (o, callback) => ...`).
 */
function originNames(code: Code): Set<string> {
  const { tokens } = code;
  const names = new Set(['origin']);
  for (let pass = 0; pass < 2; pass++) {
    tokens.forEach((t, i) => {
      if (isIdent(t, 'const', 'let', 'var') && isIdent(tokens[i + 1]) && isPunct(tokens[i + 2], '=')) {
        const end = initializerEnd(code, i + 3);
        if (refersToOrigin(tokens, { start: i + 3, end }, names)) names.add(tokens[i + 1]!.text);
      }
      if (isOriginKey(tokens, i)) {
        let k = i + 2;
        if (isIdent(tokens[k], 'async')) k++;
        if (isIdent(tokens[k], 'function')) k++;
        if (isPunct(tokens[k], '(') && isIdent(tokens[k + 1])) names.add(tokens[k + 1]!.text);
        else if (isIdent(tokens[k]) && isPunct(tokens[k + 1], '=>')) names.add(tokens[k]!.text);
      }
      // Method shorthand: `origin(o, callback) { ... }`.
      if (isIdent(t, 'origin') && isPunct(tokens[i - 1], '{', ',') && isPunct(tokens[i + 1], '(') && isIdent(tokens[i + 2])) names.add(tokens[i + 2]!.text);
    });
  }
  return names;
}

/** Where an initializer starting at `from` ends: the `;` or `,` at its own depth, or the end of its line. */
function initializerEnd(code: Code, from: number): number {
  const { tokens, source } = code;
  let depth = 0;
  for (let i = from; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (isPunct(t, '(', '[', '{')) depth++;
    else if (isPunct(t, ')', ']', '}')) {
      if (depth === 0) return i - 1;
      depth--;
    } else if (depth === 0 && isPunct(t, ';', ',')) return i - 1;
    const next = tokens[i + 1];
    if (depth === 0 && next && source.slice(t.end, next.start).includes('\n')) {
      // A line that ends in an operator goes on; otherwise the statement ends here.
      if (!(t.kind === 'punct' && !isPunct(t, ')', ']', '}'))) return i;
    }
  }
  return tokens.length - 1;
}

/**
 * Whether tokens in `span` read the request's Origin: a name that holds it,
 * a `.origin` member of the request's headers, or a lookup by the name
 * `origin` (`get('Origin')`, `headers['origin']`).
 */
function refersToOrigin(tokens: JsToken[], span: Span, names: Set<string>): boolean {
  for (let i = span.start; i <= span.end && i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind === 'identifier' && names.has(t.text) && !isDot(tokens[i - 1]) && !isPunct(tokens[i + 1], ':')) return true;
    if (isIdent(t, 'origin') && isDot(tokens[i - 1]) && isIdent(tokens[i - 2], 'headers')) return true;
    if (t.kind === 'string' && t.value.toLowerCase() === 'origin' && isPunct(tokens[i - 1], '(', '[') && isPunct(tokens[i + 1], ')', ']')) return true;
  }
  return false;
}

/** The member chain that ends at `end` (`req.headers.origin`, `(origin || '')`): the receiver of a method call. */
function receiverBefore(tokens: JsToken[], end: number): Span {
  let i = end;
  while (i >= 0) {
    const t = tokens[i];
    if (isPunct(t, ')', ']')) {
      // Call arguments, an index or a parenthesised expression: part of the receiver.
      i = opening(tokens, i) - 1;
      continue;
    }
    if (t?.kind === 'identifier' || t?.kind === 'string') {
      if (isDot(tokens[i - 1])) {
        i -= 2;
        continue;
      }
      i--;
    }
    break;
  }
  return { start: i + 1, end };
}

/** How the code applies the regular expression at `use` to the Origin, or undefined when it does not. */
function applicationAt(tokens: JsToken[], use: Span, names: Set<string>, isList: boolean): string | undefined {
  const before = use.start;
  if (isPunct(tokens[before - 1], ':') && isOriginKey(tokens, before - 2)) return isList ? 'a list given as the `origin` option' : 'given as the `origin` option';
  const array = enclosingArray(tokens, before);
  if (array !== undefined && isPunct(tokens[array - 1], ':') && isOriginKey(tokens, array - 2)) return 'in the list given as the `origin` option';
  const after = use.end;
  if (isDot(tokens[after + 1]) && isIdent(tokens[after + 2], 'test', 'exec') && isPunct(tokens[after + 3], '(')) {
    const close = closing(tokens, after + 3);
    if (refersToOrigin(tokens, { start: after + 4, end: close - 1 }, names)) return `tested against the request's Origin with \`.${tokens[after + 2]!.text}()\``;
  }
  if (isPunct(tokens[before - 1], '(') && isIdent(tokens[before - 2], 'match', 'matchAll', 'search') && isDot(tokens[before - 3])) {
    if (refersToOrigin(tokens, receiverBefore(tokens, before - 4), names)) return `matched against the request's Origin with \`.${tokens[before - 2]!.text}()\``;
  }
  // A list of patterns, each tested in a callback: `patterns.some((p) => p.test(origin))`.
  if (isList && isDot(tokens[after + 1]) && isIdent(tokens[after + 2], 'some', 'every', 'find', 'findIndex', 'filter') && isPunct(tokens[after + 3], '(')) {
    const close = closing(tokens, after + 3);
    const body = { start: after + 4, end: close - 1 };
    const tests = tokens.slice(body.start, body.end + 1).some((t) => isIdent(t, 'test', 'exec', 'match'));
    if (tests && refersToOrigin(tokens, body, names)) return `a list, each tested against the request's Origin with \`.${tokens[after + 2]!.text}()\``;
  }
  return undefined;
}

/** The regular expressions the code applies to the request's Origin, each with how. */
export function originPatterns(source: string): OriginPattern[] {
  const tokens = codeTokens(source);
  const names = originNames({ tokens, source });
  const found: OriginPattern[] = [];
  for (const regex of regexExpressions(tokens)) {
    const uses: { span: Span; isList: boolean }[] = [{ span: regex, isList: false }];
    // Bound to a name (`const allowed = /.../`, or in `const allowed = [/.../, ...]`): wherever the name is used.
    const array = enclosingArray(tokens, regex.start);
    const bindingAt = array ?? regex.start;
    const isList = array !== undefined;
    if (isPunct(tokens[bindingAt - 1], '=') && isIdent(tokens[bindingAt - 2]) && isIdent(tokens[bindingAt - 3], 'const', 'let', 'var')) {
      const name = tokens[bindingAt - 2]!.text;
      tokens.forEach((t, i) => {
        if (i !== bindingAt - 2 && isIdent(t, name) && !isDot(tokens[i - 1])) uses.push({ span: { start: i, end: i }, isList });
      });
    }
    for (const use of uses) {
      const how = applicationAt(tokens, use.span, names, use.isList);
      if (how) {
        found.push({ source: regex.source, flags: regex.flags, how });
        break;
      }
    }
  }
  return found;
}

/**
 * Whether the server's answer can depend on the request's Origin: the code
 * reads the header (`req.headers.origin`, `request.headers.get('origin')`,
 * nginx's `$http_origin`, Apache's `SetEnvIf Origin`, `%{HTTP:Origin}`), or
 * hands the CORS library an `origin` option it checks per request (a list,
 * a pattern, `true` or a function). A fixed origin, or one chosen by path,
 * does not.
 */
export function readsRequestOrigin(source: string): boolean {
  const tokens = codeTokens(source);
  if (originPatterns(source).length > 0) return true;
  // `origin: allowed`, where `allowed` is a list or a function: checked per request.
  const perRequest = new Set<string>();
  tokens.forEach((t, i) => {
    if (!isIdent(t, 'const', 'let', 'var', 'function') || !isIdent(tokens[i + 1])) return;
    const value = tokens[i + 2]?.text === '=' ? tokens[i + 3] : undefined;
    if (t.text === 'function' || isPunct(value, '[') || isIdent(value, 'function', 'async') || (isPunct(value, '(') && isPunct(tokens[closing(tokens, i + 3) + 1], '=>'))) {
      perRequest.add(tokens[i + 1]!.text);
    }
  });
  return tokens.some((t, i) => {
    if (isOriginKey(tokens, i) && isIdent(tokens[i + 2]) && perRequest.has(tokens[i + 2]!.text) && !isDot(tokens[i + 3]) && !isPunct(tokens[i + 3], '(')) return true;
    if (isIdent(t, 'origin') && isDot(tokens[i - 1]) && isIdent(tokens[i - 2], 'headers')) return true;
    if (t.kind === 'string' && t.value.toLowerCase() === 'origin' && isPunct(tokens[i - 1], '(', '[') && isPunct(tokens[i + 1], ')', ']')) return true;
    if (isIdent(t, '$http_origin')) return true;
    // Proxy configs quote their values: nginx's "$http_origin", Apache's "expr=%{req:Origin}" or %{HTTP:Origin}.
    if (t.kind === 'string' && /\$http_origin\b|%\{(?:req|req_novary|http):origin\}|\b(?:req|req_novary|http)\(\s*'origin'\s*\)/i.test(t.value)) return true;
    if (isIdent(t, 'SetEnvIf', 'SetEnvIfNoCase', 'SetEnvIfExpr') && tokens[i + 1] && /^origin$/i.test(tokens[i + 1]!.kind === 'string' ? tokens[i + 1]!.value : tokens[i + 1]!.text)) return true;
    if (isIdent(t, 'Origin') && isPunct(tokens[i - 1], ':') && isIdent(tokens[i - 2], 'HTTP', 'http', 'req', 'REQ')) return true;
    if (isOriginKey(tokens, i)) {
      const value = tokens[i + 2];
      return isPunct(value, '[', '(') || value?.kind === 'regex' || isIdent(value, 'true', 'function', 'async') || (isIdent(value) && isPunct(tokens[i + 3], '=>'));
    }
    return false;
  });
}
