import { describe, expect, it } from 'vitest';
import { Catalog } from './catalog.ts';

describe('a catalog', () => {
  const catalog = () => new Catalog<{ name: string; n: number }>('widget', [{ name: 'a', n: 1 }, { name: 'b', n: 2 }]);

  it('lists its members in order and finds them by name', () => {
    const c = catalog();
    expect(c.names()).toEqual(['a', 'b']);
    expect(c.get('b').n).toBe(2);
    expect(c.find('z')).toBeUndefined();
    expect(() => c.get('z')).toThrow('no widget is called `z` (known: a, b)');
  });

  it('adds a registered member after the others and removes it again', () => {
    const c = catalog();
    const remove = c.register({ name: 'c-d', n: 3 });
    expect(c.names()).toEqual(['a', 'b', 'c-d']);
    remove();
    expect(c.names()).toEqual(['a', 'b']);
  });

  it('refuses a name that is taken or that could not stand in a matrix column', () => {
    const c = catalog();
    expect(() => c.register({ name: 'a', n: 9 })).toThrow('cannot register the widget `a`: there is one by that name');
    expect(() => c.register({ name: 'Not_A_Name', n: 9 })).toThrow(/^cannot register the widget: `Not_A_Name` is not lower-case words/);
  });
});
