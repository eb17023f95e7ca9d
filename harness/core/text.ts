/**
 * Text from scenario files and from the wire, made safe to print on a
 * terminal: every control character but line feed and tab (ESC starts a
 * sequence that can move the cursor, retitle the window or hide text), the C1
 * controls, and the bidirectional overrides that reorder what is shown, are
 * written as visible escapes (`\u001b`) instead.
 */
const UNPRINTABLE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

export function printable(text: string): string {
  return text.replace(UNPRINTABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
