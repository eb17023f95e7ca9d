import { describe, expect, it } from 'vitest';
import { SettingsError } from '../../harness/config/settings.ts';
import { imageKeys, resolveSettings } from './catalog.ts';

describe("the runtimes' settings", () => {
  it('take the image keys and their pinned defaults from the catalogs: each proxy, side by side, then node', () => {
    expect(imageKeys()).toEqual({ defaults: { nginx: 'nginx:1.27', apache: 'httpd:2.4', node: 'node:22-bookworm-slim' }, sideBySide: ['nginx', 'apache'] });
    const settings = resolveSettings(undefined, {});
    expect(settings.images.apache).toEqual([{ ref: 'httpd:2.4', from: 'the default' }]);
  });

  it('name the known keys when one is unknown', () => {
    expect(() => resolveSettings(undefined, { runtime: 'docker', image: ['php=php:8'] })).toThrow(SettingsError);
    expect(() => resolveSettings(undefined, { runtime: 'docker', image: ['php=php:8'] })).toThrow('--image php=php:8: unknown image key `php` (known: nginx, apache, node)');
    expect(() => resolveSettings(undefined, { runtime: 'docker', image: ['node=node:20', 'node=node:22'] })).toThrow('node takes one image (side by side works for nginx and apache)');
  });
});
