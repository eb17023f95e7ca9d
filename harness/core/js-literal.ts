/**
 * Renders a value as a JavaScript literal in the style people write by hand:
 * `{ origin: 'https://a.example', credentials: true }`. Strings go through
 * JSON.stringify (then single quotes), so no value can break out of its literal.
 */
export function jsLiteral(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return singleQuoted(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  if (Array.isArray(value)) return `[${value.map(jsLiteral).join(', ')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return '{}';
    const key = (k: string) => (/^[A-Za-z_$][\w$]*$/.test(k) ? k : singleQuoted(k));
    return `{ ${entries.map(([k, v]) => `${key(k)}: ${jsLiteral(v)}`).join(', ')} }`;
  }
  throw new TypeError(`cannot render ${typeof value} as a literal`);
}

function singleQuoted(text: string): string {
  const json = JSON.stringify(text);
  return `'${json.slice(1, -1).replaceAll("\\\"", '"').replaceAll("'", "\\'")}'`;
}
