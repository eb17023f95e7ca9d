import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaults } from './defaults.ts';
import { SettingsError, checkConfig as checkConfigFor, checkImageRef, imageTag, readConfigFileFor, resolveSettingsFor, type ConfigFile, type ImageKeys } from './settings.ts';

/** The image keys as the catalogs give them (servers/runtimes/catalog.ts; its test checks that they do): this layer cannot ask them. */
const KEYS: ImageKeys = { defaults: { nginx: 'nginx:1.27', apache: 'httpd:2.4', node: defaults.images.node }, sideBySide: ['nginx', 'apache'] };
const resolveSettings = (file: { file: string; config: ConfigFile } | undefined, cli: { runtime?: string; image?: string[] }) => resolveSettingsFor(KEYS, file, cli);
const checkConfig = (data: unknown, name: string) => checkConfigFor(data, name, KEYS);
const readConfigFile = (file: string) => readConfigFileFor(KEYS, file);

describe('runtime settings', () => {
  it('defaults to the local runtime and the pinned official images', () => {
    const settings = resolveSettings(undefined, {});
    expect(settings.runtime).toBe('local');
    expect(settings.images.nginx).toEqual([{ ref: 'nginx:1.27', from: 'the default' }]);
    expect(settings.images.node![0]!.ref).toBe(defaults.images.node);
  });

  it('takes the config file over the defaults, and the command line over both', () => {
    const file = { file: 'corslab.config.json', config: checkConfig({ runtime: 'docker', images: { nginx: 'nginx:1.25', apache: 'httpd:2.4.62' } }, 'corslab.config.json') };
    const fromFile = resolveSettings(file, {});
    expect(fromFile.runtime).toBe('docker');
    expect(fromFile.images.nginx).toEqual([{ ref: 'nginx:1.25', from: 'corslab.config.json images.nginx' }]);
    const fromCli = resolveSettings(file, { runtime: 'docker', image: ['nginx=nginx:1.27'] });
    expect(fromCli.images.nginx).toEqual([{ ref: 'nginx:1.27', from: '--image nginx=nginx:1.27' }]);
    expect(fromCli.images.apache![0]!.ref).toBe('httpd:2.4.62');
    expect(resolveSettings(file, { runtime: 'local' }).runtime).toBe('local');
  });

  it('puts two images of one proxy side by side, named by their tags', () => {
    const settings = resolveSettings(undefined, { runtime: 'docker', image: ['nginx=nginx:1.22', 'nginx=nginx:1.27'] });
    expect(settings.images.nginx!.map((i) => i.variant)).toEqual(['1.22', '1.27']);
  });

  it.each([
    [{ runtime: 'docker', image: ['nginx=nginx:1.27', 'nginx=mirror.example/nginx:1.27'] }, /--image nginx=mirror.example\/nginx:1.27: nginx:1.27 and mirror.example\/nginx:1.27 have the same tag `1.27`/],
    [{ runtime: 'docker', image: ['node=node:20', 'node=node:22'] }, /--image node=node:22: node takes one image/],
    [{ runtime: 'docker', image: ['php=php:8'] }, /--image php=php:8: unknown image key `php` \(known: nginx, apache, node\)/],
    [{ runtime: 'docker', image: ['nginx'] }, /--image nginx: expected KEY=IMAGE/],
    [{ runtime: 'docker', image: ['nginx=nginx:1.27;rm -rf /'] }, /--image nginx=nginx:1.27;rm -rf \/: "nginx:1.27;rm -rf \/" is not an image reference/],
    [{ image: ['nginx=nginx:1.27'] }, /--image only applies to the Docker runtime, and the runtime is local \(the default\)/],
    [{ runtime: 'podman' }, /--runtime must be one of local, docker, got "podman"/],
  ])('refuses bad command-line values, naming them: %j', (cli, message) => {
    expect(() => resolveSettings(undefined, cli)).toThrow(SettingsError);
    expect(() => resolveSettings(undefined, cli)).toThrow(message);
  });

  it.each([
    [{ runtime: 'kubernetes' }, /^my.json: runtime must be one of local, docker, got "kubernetes"$/],
    [{ images: { redis: 'redis:7' } }, /^my.json images.redis: unknown image key `redis`/],
    [{ images: { nginx: 'NGINX:1.27' } }, /^my.json images.nginx: "NGINX:1.27" is not an image reference/],
    [{ images: { nginx: ['nginx:1.27', 42] } }, /^my.json images.nginx: must be an image reference or a list of them/],
    [{ image: {} }, /^my.json: unknown field `image` \(allowed: scenarios, runtime, images, origins, engines, /],
    [{ scenarios: [] }, /^my.json: scenarios must be a folder or file, or a list of them/],
    [[], /^my.json: must be an object such as \{"runtime": "docker"\} \(a JSON object/],
  ])('refuses a bad config file, naming the file and the field: %j', (data, message) => {
    expect(() => checkConfig(data, 'my.json')).toThrow(message);
  });

  it('reads the config file from the working directory, and says which file is not JSON', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'corslab-settings-'));
    try {
      expect(await readConfigFile(path.join(dir, 'corslab.config.json'))).toBeUndefined();
      await writeFile(path.join(dir, 'corslab.config.json'), '{"runtime": "docker", "images": {"node": "node:20-bookworm-slim"}}');
      const read = await readConfigFile(path.join(dir, 'corslab.config.json'));
      expect(read!.config).toEqual({ runtime: 'docker', images: { node: 'node:20-bookworm-slim' } });
      await writeFile(path.join(dir, 'corslab.config.json'), '{"runtime": ');
      await expect(readConfigFile(path.join(dir, 'corslab.config.json'))).rejects.toThrow(/corslab.config.json: not valid JSON/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('accepts the references users write, and reads their tags', () => {
    for (const ref of ['nginx', 'nginx:1.27-alpine', 'library/httpd:2.4', 'registry.example.com:5000/team/node:22-bookworm-slim', `nginx@sha256:${'a'.repeat(64)}`, 'corslab-local/nginx:1.22-bookworm']) {
      expect(checkImageRef(ref, 'test')).toBe(ref);
    }
    expect(imageTag('corslab-local/nginx:1.22-bookworm')).toBe('1.22-bookworm');
    expect(imageTag('registry.example.com:5000/nginx')).toBe('latest');
    expect(imageTag(`nginx@sha256:${'ab'.repeat(32)}`)).toBe('abababababab');
  });
});
