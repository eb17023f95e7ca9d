import { X509Certificate, createHash, type KeyObject } from 'node:crypto';
import { copyFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { connect, createServer, type ConnectionOptions, type TlsOptions } from 'node:tls';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { labAuthority, parseHost } from './certificates.ts';

// Another run, simulated: what it writes just before this one puts its file in place.
const race = vi.hoisted(() => ({ beforeLink: undefined as ((file: string) => Promise<void>) | undefined }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs/promises')>();
  return { ...fs, link: async (from: string, to: string) => (await race.beforeLink?.(to), fs.link(from, to)) };
});

const DAY = 86_400_000;
const dirs: string[] = [];
const cleanups: (() => void)[] = [];
afterEach(async () => {
  vi.useRealTimers();
  race.beforeLink = undefined;
  for (const cleanup of cleanups.splice(0)) cleanup();
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function tmpDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'corslab-ca-'));
  dirs.push(dir);
  return path.join(dir, 'ca'); // not made yet: labAuthority makes it
}

const spkiHash = (key: KeyObject) => createHash('sha256').update(key.export({ type: 'spki', format: 'der' })).digest('base64');

describe('the lab CA', () => {
  it('is a CA, its own issuer, valid from an hour ago for a year', async () => {
    const authority = await labAuthority(await tmpDir());
    const ca = new X509Certificate(authority.caCertPem);
    expect(ca.ca).toBe(true);
    expect(ca.subject).toBe('O=CORS Lab (local testing only)\nCN=CORS Lab run-time CA');
    expect(ca.checkIssued(ca)).toBe(true);
    expect(ca.verify(ca.publicKey)).toBe(true);
    expect(Date.now() - Date.parse(ca.validFrom)).toBeGreaterThanOrEqual(3_599_000);
    expect(Date.now() - Date.parse(ca.validFrom)).toBeLessThan(3_700_000);
    expect(Date.parse(ca.validTo) - Date.now()).toBeGreaterThan(364 * DAY);
    expect(Date.parse(ca.validTo) - Date.now()).toBeLessThanOrEqual(365 * DAY);
    expect(await readFile(authority.caCertPath, 'utf8')).toBe(authority.caCertPem);
  });

  it('keeps its keys readable by the owner only', async () => {
    const authority = await labAuthority(await tmpDir());
    for (const file of ['ca-key.pem', 'leaf-key.pem']) expect((await stat(path.join(authority.dir, file))).mode & 0o777).toBe(0o600);
  });

  it('gives the SPKI hashes of the CA key and the leaf key, as Chromium takes them', async () => {
    const authority = await labAuthority(await tmpDir());
    const ca = new X509Certificate(authority.caCertPem);
    const leaf = new X509Certificate(authority.certificateFor('api.example.com').certPem);
    const other = new X509Certificate(authority.certificateFor('127.0.0.1').certPem);
    expect(authority.spkiHashes).toEqual([spkiHash(ca.publicKey), spkiHash(leaf.publicKey)]);
    expect(spkiHash(other.publicKey)).toBe(authority.spkiHashes[1]); // one leaf key for every host
  });

  it('writes years from 2050 on as GeneralizedTime (RFC 5280 §4.1.2.5)', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2049-12-01T00:00:00Z'));
    const ca = new X509Certificate((await labAuthority(await tmpDir())).caCertPem);
    expect(new Date(ca.validFrom).toISOString()).toBe('2049-11-30T23:00:00.000Z');
    expect(new Date(ca.validTo).toISOString()).toBe('2050-12-01T00:00:00.000Z');
  });
});

describe('a leaf certificate', () => {
  it('for a DNS name: issued and signed by the CA, names that host and no other, for 30 days', async () => {
    const authority = await labAuthority(await tmpDir());
    const ca = new X509Certificate(authority.caCertPem);
    const leaf = new X509Certificate(authority.certificateFor('API.Example.com').certPem);
    expect(leaf.verify(ca.publicKey)).toBe(true);
    expect(leaf.checkIssued(ca)).toBe(true);
    expect(leaf.ca).toBe(false);
    expect(leaf.subjectAltName).toBe('DNS:api.example.com');
    expect(leaf.checkHost('api.example.com')).toBe('api.example.com');
    expect(leaf.checkHost('other.example')).toBeUndefined();
    expect(leaf.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']); // Node names the extKeyUsage so: serverAuth
    const days = (Date.parse(leaf.validTo) - Date.now()) / DAY;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThan(398);
    expect(Date.parse(leaf.validFrom)).toBeLessThan(Date.now() - 3_500_000);
  });

  it.each([
    ['127.0.0.1', '127.0.0.1', 'IP Address:127.0.0.1'],
    ['::1', '::1', 'IP Address:0:0:0:0:0:0:0:1'],
    ['[::1]', '::1', 'IP Address:0:0:0:0:0:0:0:1'],
    ['::ffff:127.0.0.1', '::ffff:7f00:1', 'IP Address:0:0:0:0:0:FFFF:7F00:1'],
  ])('for the IP literal %s: an iPAddress name that checkIP accepts', async (host, ip, altName) => {
    const authority = await labAuthority(await tmpDir());
    const leaf = new X509Certificate(authority.certificateFor(host).certPem);
    expect(leaf.subjectAltName).toBe(altName);
    expect(leaf.checkIP(ip)).toBe(ip);
    expect(leaf.checkIP('127.0.0.2')).toBeUndefined();
  });

  it('is made once per host, whatever its case or brackets', async () => {
    const authority = await labAuthority(await tmpDir());
    expect(authority.certificateFor('API.example.com').certPem).toBe(authority.certificateFor('api.example.com').certPem);
    expect(authority.secureContextFor('[::1]')).toBe(authority.secureContextFor('::1'));
  });

  it('names a host longer than a CN may be (64) in a critical subjectAltName only', async () => {
    const host = `${'a'.repeat(63)}.example.com`;
    const leaf = new X509Certificate((await labAuthority(await tmpDir())).certificateFor(host).certPem);
    expect(leaf.subject).toBeUndefined();
    expect(leaf.checkHost(host)).toBe(host);
  });

  it.each([
    ['a wildcard', '*.example.com', /wildcard/],
    ['a space', 'api example.com', /label "api example"/],
    ['an empty label', 'api..example.com', /empty label/],
    ['a trailing dot', 'example.com.', /empty label/],
    ['nothing', '', /empty label/],
    ['a leading hyphen', '-api.example.com', /label "-api"/],
    ['256 characters', `${'a.'.repeat(127)}ab`, /256 characters, and a DNS name at most 253/],
    ['a number a URL reads as IPv4 (1.2.3)', '1.2.3', /last label is a number/],
    ['IPv4 in brackets', '[127.0.0.1]', /brackets hold only an IPv6 address/],
    ['an IPv6 zone', 'fe80::1%eth0', /zone/],
  ])('is refused for %s', (_what, host, message) => {
    expect(() => parseHost(host)).toThrow(message);
  });
});

describe('the CA folder', () => {
  it('is read again by the next run: the same CA and the same leaf key', async () => {
    const dir = await tmpDir();
    const first = await labAuthority(dir);
    const second = await labAuthority(dir);
    expect(new X509Certificate(second.caCertPem).fingerprint256).toBe(new X509Certificate(first.caCertPem).fingerprint256);
    expect(second.spkiHashes).toEqual(first.spkiHashes);
  });

  it('is the files of the run that put them in place first, when another run made them meanwhile', async () => {
    const other = await labAuthority(await tmpDir());
    race.beforeLink = (file) => copyFile(path.join(other.dir, path.basename(file)), file);
    const mine = await labAuthority(await tmpDir());
    expect(mine.caCertPem).toBe(other.caCertPem);
    expect(mine.spkiHashes).toEqual(other.spkiHashes);
  });

  it('is made once when two runs start at once', async () => {
    const dir = await tmpDir();
    const [a, b, c] = await Promise.all([labAuthority(dir), labAuthority(dir), labAuthority(dir)]);
    expect(new Set([a, b, c].map((x) => x.caCertPem)).size).toBe(1);
    expect(new Set([a, b, c].map((x) => x.spkiHashes.join())).size).toBe(1);
    expect(await readFile(path.join(dir, 'ca-cert.pem'), 'utf8')).toBe(a.caCertPem);
  });

  it.each([
    ['ca-key.pem', 'text that is no PEM', 'not a key'],
    ['ca-key.pem', 'a PEM key that does not parse', '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n'],
    ['leaf-key.pem', 'nothing', ''],
  ])('replaces %s holding %s', async (file, _what, garbage) => {
    const dir = await tmpDir();
    const first = await labAuthority(dir);
    await writeFile(path.join(dir, file), garbage);
    const second = await labAuthority(dir);
    const changed = file === 'ca-key.pem' ? 0 : 1;
    expect(second.spkiHashes[changed]).not.toBe(first.spkiHashes[changed]);
    expect(second.spkiHashes[1 - changed]).toBe(first.spkiHashes[1 - changed]);
    expect((await labAuthority(dir)).spkiHashes).toEqual(second.spkiHashes); // what replaced it is read back
    expect(new X509Certificate(second.certificateFor('api.example.com').certPem).checkIssued(new X509Certificate(second.caCertPem))).toBe(true);
  });

  it('replaces a CA that expires within 30 days, and keeps one that does not', async () => {
    const dir = await tmpDir();
    const first = await labAuthority(dir);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 330 * DAY);
    expect((await labAuthority(dir)).caCertPem).toBe(first.caCertPem);
    vi.setSystemTime(Date.now() + 10 * DAY);
    const renewed = await labAuthority(dir);
    expect(renewed.caCertPem).not.toBe(first.caCertPem);
    expect(Date.parse(new X509Certificate(renewed.caCertPem).validTo) - Date.now()).toBeGreaterThan(364 * DAY);
  });
});

describe('a TLS handshake on 127.0.0.1', () => {
  async function serve(options: TlsOptions): Promise<number> {
    const server = createServer(options, (socket) => socket.end('hello'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => server.close());
    return (server.address() as AddressInfo).port;
  }

  function handshake(options: ConnectionOptions): Promise<{ authorized: boolean; subjectAltName?: string } | { error: string }> {
    return new Promise((resolve) => {
      const socket = connect({ host: '127.0.0.1', ...options }, () => {
        resolve({ authorized: socket.authorized, subjectAltName: socket.getPeerCertificate().subjectaltname });
        socket.destroy();
      });
      socket.once('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
    });
  }

  it('is authorized for the name the client asked for (SNI), trusting only the lab CA', async () => {
    const authority = await labAuthority(await tmpDir());
    const port = await serve({ SNICallback: (name, cb) => cb(null, authority.secureContextFor(name)) });
    expect(await handshake({ port, servername: 'api.example.com', ca: authority.caCertPem })).toEqual({ authorized: true, subjectAltName: 'DNS:api.example.com' });
    expect(await handshake({ port, servername: 'other.example', ca: authority.caCertPem })).toEqual({ authorized: true, subjectAltName: 'DNS:other.example' });
    // Without the lab CA, the system's roots do not know it.
    expect(await handshake({ port, servername: 'api.example.com' })).toEqual({ error: 'SELF_SIGNED_CERT_IN_CHAIN' });
  });

  it("fails the client's identity check when the certificate names another host", async () => {
    const authority = await labAuthority(await tmpDir());
    const port = await serve({ SNICallback: (_name, cb) => cb(null, authority.secureContextFor('api.example.com')) });
    expect(await handshake({ port, servername: 'other.example', ca: authority.caCertPem })).toEqual({ error: 'ERR_TLS_CERT_ALTNAME_INVALID' });
  });

  it('is authorized for the IP literal, which SNI does not carry, from the default certificate', async () => {
    const authority = await labAuthority(await tmpDir());
    const { certPem, keyPem } = authority.certificateFor('127.0.0.1');
    const port = await serve({ key: keyPem, cert: certPem + authority.caCertPem });
    expect(await handshake({ port, ca: authority.caCertPem })).toEqual({ authorized: true, subjectAltName: 'IP Address:127.0.0.1' });
  });
});
