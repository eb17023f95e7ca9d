import { describe, expect, it } from 'vitest';
import { answerForTarget, resolveAnswers, type HandlerAnswers } from '../app-stack.ts';
import { defaults } from '../../../harness/config/defaults.ts';
import type { HandlerResponse } from '../../../harness/core/format.ts';

/** template/corslab/answer.js, the Next.js app's copy of the handler's answer (plain JavaScript, so loaded by URL and typed here). */
interface NextAnswer {
  answerForTarget(mount: HandlerAnswers & { prefix: string }, target: string, cellParam: string): Required<HandlerResponse>;
}
const next = (await import(new URL('./template/corslab/answer.js', import.meta.url).href)) as NextAnswer;

const locations = ['{api}/new', '/s/x/new', 'new', '', '/s/x/new?', '/s/x/new?p=1', '/s/x/new?p=1&', '/s/x/new?corslab_cell=z', '/s/x/new?corslab%5Fcell=z', '/s/x/new#f', '/s/x/new?p#corslab_cell=1'];
const mount = {
  prefix: '/s/x',
  ...resolveAnswers(
    { status: 201, body: 'default' },
    {
      '/': { body: 'slash' },
      '/new': { body: 'moved' },
      ...Object.fromEntries(locations.map((to, i) => [`/go/${i}`, { status: 302, headers: { location: to.replace('{api}', 'http://api.example.localhost:2/s/x'), 'X-Other': to } }])),
    },
  ),
};
const paths = ['', '/', '/new', '/new/', '/NEW', '/other', ...locations.map((_, i) => `/go/${i}`)];
const queries = ['', '?', `?${defaults.cellParam}=abc`, `?a=1&${defaults.cellParam}=abc`, '?a=1'];
const targets = [...paths.flatMap((p) => queries.map((q) => `/s/x${p}${q}`)), '/s/xy/new?corslab_cell=abc', '/elsewhere', '/s'];

describe("Next.js's copy of the handler's answer (template/corslab/answer.js)", () => {
  it.each(targets)('answers %s as app-stack.ts does', (target) => {
    expect(next.answerForTarget(mount, target, defaults.cellParam)).toEqual(answerForTarget(mount, target));
  });

  it('answers the same without any server.responses', () => {
    const plain = { prefix: '/s/x', ...resolveAnswers({ headers: { Location: '/s/x/a' } }, undefined) };
    for (const target of targets) expect(next.answerForTarget(plain, target, defaults.cellParam)).toEqual(answerForTarget(plain, target));
  });
});
