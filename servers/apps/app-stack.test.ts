import { describe, expect, it } from 'vitest';
import { DEFAULT_RESPONSE, answerFor, answerForTarget, resolveAnswers, splitTarget } from './app-stack.ts';

const answers = resolveAnswers(
  { body: 'anywhere' },
  {
    '/old': { status: 302, headers: { Location: 'http://api.example.localhost:2/s/x/new' } },
    '/new': { body: 'moved' },
    '/': { body: 'the mount itself, with a slash' },
  },
);
const location = (answer: { headers: Record<string, string> }) => answer.headers.Location;
const redirect = (to: string) => resolveAnswers(undefined, { '/go': { status: 307, headers: { Location: to } } });

describe("the lab's handler, by path below the mount", () => {
  it('answers with the entry of server.responses whose path is the request\'s exactly', () => {
    expect(answerFor(answers, '/new', '')).toEqual({ status: 200, headers: DEFAULT_RESPONSE.headers, body: 'moved' });
    expect(answerFor(answers, '/old', '').status).toBe(302);
    expect(answerFor(answers, '/', '').body).toBe('the mount itself, with a slash');
  });

  it('falls back to server.response on any other path: a longer one, a trailing slash, another case, the mount without a slash', () => {
    for (const path of ['/new/deeper', '/new/', '/NEW', '/ne', '', undefined]) expect(answerFor(answers, path, '').body, String(path)).toBe('anywhere');
  });

  it('gives each entry the defaults, not server.response\'s values', () => {
    expect(answerFor(answers, '/old', '')).toEqual({ status: 302, headers: { Location: 'http://api.example.localhost:2/s/x/new' }, body: DEFAULT_RESPONSE.body });
    expect(resolveAnswers(undefined, undefined)).toEqual({ response: DEFAULT_RESPONSE });
  });

  it('splits a request target into the path below the mount and the query', () => {
    expect(splitTarget('/s/x', '/s/x/old?corslab_cell=abc&b=1')).toEqual({ pathBelowMount: '/old', query: 'corslab_cell=abc&b=1' });
    expect(splitTarget('/s/x', '/s/x')).toEqual({ pathBelowMount: '', query: '' });
    expect(splitTarget('/s/x', '/s/x.y/old?q')).toEqual({ pathBelowMount: undefined, query: 'q' });
    expect(answerForTarget({ prefix: '/s/x', ...answers }, '/s/x/new?corslab_cell=abc').body).toBe('moved');
  });
});

describe('a Location the handler sends carries the cell on to the next hop', () => {
  it("appends the request's query once, after `?` when the Location has no query", () => {
    expect(location(answerFor(answers, '/old', 'corslab_cell=abc'))).toBe('http://api.example.localhost:2/s/x/new?corslab_cell=abc');
    // The whole query, as the request had it.
    expect(location(answerFor(answers, '/old', 'a=1&corslab_cell=abc'))).toBe('http://api.example.localhost:2/s/x/new?a=1&corslab_cell=abc');
  });

  it('appends after `&` when the Location has a query, and after nothing when it ends in `?` or `&`', () => {
    expect(location(answerFor(redirect('/s/x/new?page=2'), '/go', 'corslab_cell=abc'))).toBe('/s/x/new?page=2&corslab_cell=abc');
    expect(location(answerFor(redirect('/s/x/new?'), '/go', 'corslab_cell=abc'))).toBe('/s/x/new?corslab_cell=abc');
    expect(location(answerFor(redirect('/s/x/new?page=2&'), '/go', 'corslab_cell=abc'))).toBe('/s/x/new?page=2&corslab_cell=abc');
  });

  it('keeps a fragment last', () => {
    expect(location(answerFor(redirect('/s/x/new#top'), '/go', 'corslab_cell=abc'))).toBe('/s/x/new?corslab_cell=abc#top');
    expect(location(answerFor(redirect('/s/x/new?p=1#a?b'), '/go', 'corslab_cell=abc'))).toBe('/s/x/new?p=1&corslab_cell=abc#a?b');
  });

  it('gives relative Locations the query too', () => {
    expect(location(answerFor(redirect('new'), '/go', 'corslab_cell=abc'))).toBe('new?corslab_cell=abc');
    expect(location(answerFor(redirect('/s/x/new'), '/go', 'corslab_cell=abc'))).toBe('/s/x/new?corslab_cell=abc');
  });

  it('leaves a Location that names the cell parameter itself as it is, whatever its value', () => {
    for (const to of ['/s/x/new?corslab_cell=other', '/s/x/new?a=1&corslab_cell=', '/s/x/new?corslab%5Fcell=x']) expect(location(answerFor(redirect(to), '/go', 'corslab_cell=abc')), to).toBe(to);
    // A name that only contains it is another parameter.
    expect(location(answerFor(redirect('/s/x/new?my_corslab_cell=1'), '/go', 'corslab_cell=abc'))).toBe('/s/x/new?my_corslab_cell=1&corslab_cell=abc');
    // In the fragment it is not in the query.
    expect(location(answerFor(redirect('/s/x/new#corslab_cell=1'), '/go', 'corslab_cell=abc'))).toBe('/s/x/new?corslab_cell=abc#corslab_cell=1');
  });

  it('changes nothing for a request without a query, nor any header but Location, in any case of its name', () => {
    expect(answerFor(answers, '/old', '')).toBe(answers.responses!['/old']);
    const both = resolveAnswers({ headers: { location: '/s/x/a', 'Content-Location': '/s/x/b', Refresh: '0; url=/s/x/c' } }, undefined);
    expect(answerFor(both, '/any', 'corslab_cell=abc').headers).toEqual({ location: '/s/x/a?corslab_cell=abc', 'Content-Location': '/s/x/b', Refresh: '0; url=/s/x/c' });
    // The resolved answer itself is not changed.
    expect(both.response.headers.location).toBe('/s/x/a');
  });

  it('names the parameter of the run', () => {
    expect(location(answerFor(redirect('/s/x/new?t=1'), '/go', 't=2', 't'))).toBe('/s/x/new?t=1');
  });
});
