import { describe, expect, it } from 'vitest';
import { SettingsError } from '../../harness/config/settings.ts';
import { proxyNames } from '../proxies/catalog.ts';
import { imageKeys, resolveSettings } from './catalog.ts';

describe("the runtimes' settings", () => {
  it('take the image keys and their pinned defaults from the catalogs: each proxy, side by side, then node', () => {
    const keys = imageKeys();
    expect(Object.keys(keys.defaults)).toEqual([...proxyNames(), 'node']);
    expect(keys.defaults).toMatchObject({ nginx: 'nginx:1.27', apache: 'httpd:2.4', node: 'node:22-bookworm-slim' });
    expect(keys.sideBySide).toEqual(proxyNames());
    expect(resolveSettings(undefined, {}).images.apache).toEqual([{ ref: 'httpd:2.4', from: 'the default' }]);
  });

  it('name the known keys when one is unknown', () => {
    const cli = { runtime: 'docker', image: ['php=php:8'] };
    expect(() => resolveSettings(undefined, cli)).toThrow(SettingsError);
    expect(() => resolveSettings(undefined, cli)).toThrow(`--image php=php:8: unknown image key \`php\` (known: ${[...proxyNames(), 'node'].join(', ')})`);
    expect(() => resolveSettings(undefined, { runtime: 'docker', image: ['node=node:20', 'node=node:22'] })).toThrow(`node takes one image (side by side works for ${proxyNames().join(' and ')})`);
  });
});
