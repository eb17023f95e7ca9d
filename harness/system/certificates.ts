import { X509Certificate, createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { link, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import path from 'node:path';
import { createSecureContext, type SecureContext } from 'node:tls';
import { cacheDir } from './project.ts';

/**
 * A certificate authority made on this machine the first time a run needs
 * HTTPS, and a certificate per host signed by it, so that servers on
 * 127.0.0.1 can answer `https://api.example.com` to a real browser.
 *
 * Nothing is installed system-wide: each engine is told to trust this CA
 * (a CA file, or Chromium's --ignore-certificate-errors-spki-list with
 * `spkiHashes`), and only for the run. Pure Node: the certificates are
 * X.509 v3 (RFC 5280) written by the small DER encoder below and signed with
 * ECDSA P-256 over SHA-256, which every engine accepts.
 */
export interface LabAuthority {
  /** PEM of the CA certificate (for engines that take a CA file, and for tests). */
  readonly caCertPem: string;
  /** The same certificate as a file, `<dir>/ca-cert.pem`, for engines that want a path. */
  readonly caCertPath: string;
  /**
   * base64 of SHA-256 over the DER SubjectPublicKeyInfo, of the CA's key and
   * of the leaf key every host shares: what Chromium's
   * --ignore-certificate-errors-spki-list takes (it matches any certificate
   * of the chain).
   */
  readonly spkiHashes: readonly string[];
  /** Where the CA lives: cacheDir('ca') (harness/system/project.ts) unless told otherwise. */
  readonly dir: string;
  /**
   * A TLS server context for one host name or IP literal (cached per host),
   * presenting the leaf then the CA. SNI never carries an IP literal
   * (RFC 6066 §3), so a server reached by IP takes `certificateFor(ip)` as its
   * default `key` and `cert` instead.
   */
  secureContextFor(host: string): SecureContext;
  /** The leaf certificate (alone) and its key for one host, PEM. Throws for anything that is not a DNS name or an IP literal. */
  certificateFor(host: string): { certPem: string; keyPem: string };
}

export const DEFAULT_CA_DIR = cacheDir('ca');

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** A CA with less left than this is made again, so that a leaf (30 days) never outlives it. */
const RENEW_BEFORE_MS = 30 * DAY;
const CA_LIFETIME_MS = 365 * DAY;
/** Under the 398 days Chromium and Apple accept for a server certificate; the leaves live in memory, for one run. */
const LEAF_LIFETIME_MS = 30 * DAY;
/** notBefore an hour back: a clock a little behind (a container's, a VM's) still accepts a certificate made now. */
const BACKDATE_MS = HOUR;

// ---- DER (ITU-T X.690 §8 and §10), only what a certificate needs ----

function der(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  const n = body.length;
  // Definite length, short form under 128, else long form in as few bytes as it takes (X.690 §8.1.3, §10.1).
  const length = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : n < 0x10000 ? [0x82, n >> 8, n & 0xff] : [0x83, n >> 16, (n >> 8) & 0xff, n & 0xff];
  return Buffer.concat([Buffer.from([tag, ...length]), body]);
}
const seq = (...items: Buffer[]) => der(0x30, ...items);
const set = (...items: Buffer[]) => der(0x31, ...items);
const bool = (value: boolean) => der(0x01, Buffer.from([value ? 0xff : 0x00])); // DER: TRUE is 0xff (X.690 §11.1)
const octets = (bytes: Buffer) => der(0x04, bytes);
const utf8 = (text: string) => der(0x0c, Buffer.from(text, 'utf8'));
/** A BIT STRING; `unused` is how many low bits of the last byte are padding (X.690 §8.6.2). */
const bits = (bytes: Buffer, unused = 0) => der(0x03, Buffer.from([unused]), bytes);
/** `[n] EXPLICIT`: a constructed tag around the whole encoding. */
const explicit = (n: number, ...items: Buffer[]) => der(0xa0 | n, ...items);
/** `[n] IMPLICIT` of a primitive: the context tag replaces the type's own. */
const implicit = (n: number, bytes: Buffer) => der(0x80 | n, bytes);

/** An INTEGER, big-endian two's complement in as few bytes as it takes (X.690 §8.3.2). */
function int(value: number | Buffer): Buffer {
  let bytes = typeof value === 'number' ? Buffer.from([value]) : value;
  while (bytes.length > 1 && bytes[0] === 0 && bytes[1]! < 0x80) bytes = bytes.subarray(1);
  return der(0x02, bytes[0]! >= 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
}

/** An OBJECT IDENTIFIER: the first two arcs as 40a+b, then each arc in base 128, high bit set on all but its last byte (X.690 §8.19). */
function oid(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split('.').map(Number);
  const out: number[] = [];
  for (const arc of [a! * 40 + b!, ...rest]) {
    const groups = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) groups.unshift((v & 0x7f) | 0x80);
    out.push(...groups);
  }
  return der(0x06, Buffer.from(out));
}

/** UTCTime through 2049, GeneralizedTime from 2050, both in seconds and Zulu (RFC 5280 §4.1.2.5). */
function time(date: Date): Buffer {
  const iso = date.toISOString(); // 2026-04-03T12:00:00.000Z
  const digits = iso.slice(0, 19).replace(/\D/g, '') + 'Z';
  return date.getUTCFullYear() < 2050 ? der(0x17, Buffer.from(digits.slice(2))) : der(0x18, Buffer.from(digits));
}

// ---- X.509 v3 (RFC 5280 §4.1) ----

const OID = {
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
};

/** ecdsa-with-SHA256 with its parameters absent, as RFC 5758 §3.2 requires. */
const SIGNATURE_ALGORITHM = seq(oid(OID.ecdsaWithSha256));

/** A Name (RFC 5280 §4.1.2.4): one attribute per RDN, most significant first; UTF8String as §4.1.2.6 asks of new certificates. */
const name = (...attributes: [string, string][]) => seq(...attributes.map(([type, value]) => set(seq(oid(type), utf8(value)))));
const CA_NAME = name([OID.organization, 'CORS Lab (local testing only)'], [OID.commonName, 'CORS Lab run-time CA']);

/** An Extension (RFC 5280 §4.1): `critical` is DEFAULT FALSE, so DER leaves a false one out (X.690 §11.5). */
const extension = (id: string, critical: boolean, value: Buffer) => seq(oid(id), ...(critical ? [bool(true)] : []), octets(value));

/**
 * A key identifier: the leftmost 160 bits of SHA-256 over the subjectPublicKey
 * bits (RFC 7093 §2 method 1, one of the "other methods" RFC 5280 §4.2.1.2
 * allows). For P-256 those bits are the uncompressed point 04||x||y (SEC 1 §2.3.3).
 */
function keyIdentifier(key: KeyObject): Buffer {
  const { x, y } = key.export({ format: 'jwk' });
  const point = Buffer.concat([Buffer.from([4]), Buffer.from(x!, 'base64url'), Buffer.from(y!, 'base64url')]);
  return createHash('sha256').update(point).digest().subarray(0, 20);
}

/** A positive serial of 16 random bytes (RFC 5280 §4.1.2.2: positive, at most 20 octets, unique per CA); the top byte is kept in 0x40..0x7f so that DER neither pads nor trims it. */
const serial = () => {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x3f) | 0x40;
  return bytes;
};

interface Draft {
  subject: Buffer;
  publicKey: KeyObject;
  notBefore: Date;
  notAfter: Date;
  extensions: Buffer[];
}

/** A TBSCertificate (RFC 5280 §4.1.2), signed; returns the Certificate's PEM. */
function issue(draft: Draft, issuer: Buffer, issuerKey: KeyObject): string {
  const spki = draft.publicKey.export({ type: 'spki', format: 'der' });
  const tbs = seq(
    explicit(0, int(2)), // version v3 (§4.1.2.1): extensions are present
    int(serial()),
    SIGNATURE_ALGORITHM,
    issuer,
    seq(time(draft.notBefore), time(draft.notAfter)),
    draft.subject,
    spki,
    explicit(3, seq(...draft.extensions)),
  );
  // node:crypto signs with ECDSA in DER's Ecdsa-Sig-Value, which is what the signature BIT STRING holds (RFC 5758 §3.2).
  return pem('CERTIFICATE', seq(tbs, SIGNATURE_ALGORITHM, bits(sign('sha256', tbs, issuerKey))));
}

const pem = (label: string, bytes: Buffer) => `-----BEGIN ${label}-----\n${bytes.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n')}-----END ${label}-----\n`;

function pemBlock(text: string, label: string): string {
  const block = new RegExp(`-----BEGIN ${label}-----[A-Za-z0-9+/=\\s]+-----END ${label}-----`).exec(text)?.[0];
  if (!block) throw new Error(`no ${label} in the file`);
  return `${block}\n`;
}

function makeCa(now: number): string {
  const key = newKey();
  const publicKey = createPublicKey(key);
  const certPem = issue(
    {
      subject: CA_NAME,
      publicKey,
      notBefore: new Date(now - BACKDATE_MS),
      notAfter: new Date(now + CA_LIFETIME_MS),
      extensions: [
        extension(OID.basicConstraints, true, seq(bool(true), int(0))), // CA, and no CA below it (§4.2.1.9)
        extension(OID.keyUsage, true, bits(Buffer.from([0x06]), 1)), // keyCertSign (5) | cRLSign (6) (§4.2.1.3)
        extension(OID.subjectKeyIdentifier, false, octets(keyIdentifier(publicKey))), // §4.2.1.2: MUST in a CA
      ],
    },
    CA_NAME,
    key,
  );
  return key.export({ type: 'pkcs8', format: 'pem' }) + certPem;
}

// ---- hosts ----

interface Host {
  /** Lower-cased, an IPv6 literal without its brackets. */
  name: string;
  /** The address's bytes, for an IP literal. */
  ip?: Buffer;
}

/** A host as a certificate names it, or an error that says why it cannot be one. */
export function parseHost(input: string): Host {
  const lower = input.toLowerCase();
  const bracketed = /^\[(.*)\]$/.exec(lower)?.[1];
  const host = bracketed ?? lower;
  const version = isIP(host);
  // A zone (fe80::1%eth0) is local to one machine: neither a URL's host nor a certificate can name it.
  if (version === 6 && host.includes('%')) throw new Error(`cannot make a certificate for ${JSON.stringify(input)}: an IPv6 zone is local to one machine`);
  if (version === 6) return { name: host, ip: ipv6Bytes(host) };
  if (version === 4 && bracketed === undefined) return { name: host, ip: Buffer.from(host.split('.').map(Number)) };
  const problem = bracketed !== undefined ? 'brackets hold only an IPv6 address' : dnsNameProblem(host);
  if (problem) throw new Error(`cannot make a certificate for ${JSON.stringify(input)}: ${problem}`);
  return { name: host };
}

/** Why a name is not in the preferred name syntax that RFC 5280 §4.2.1.6 asks of a dNSName (RFC 1034 §3.5, with RFC 1123 §2.1's leading digits). */
function dnsNameProblem(host: string): string | undefined {
  if (host.length > 253) return `it has ${host.length} characters, and a DNS name at most 253 (RFC 1035 §2.3.4)`;
  if (host.includes('*')) return 'a wildcard is not made: ask for each host';
  const labels = host.split('.');
  const bad = labels.find((label) => !/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(label));
  if (bad === '') return 'it has an empty label';
  if (bad !== undefined) return `its label ${JSON.stringify(bad)} is not 1 to 63 letters, digits and inner hyphens`;
  // The URL parser reads such a host as an IPv4 address (WHATWG URL, "ends in a number checker"), so no browser would ask for this name.
  if (/^(\d+|0x[0-9a-f]*)$/.test(labels.at(-1)!)) return 'its last label is a number, which a URL reads as an IPv4 address';
  return undefined;
}

/** The 16 bytes of an IPv6 literal (RFC 4291 §2.2), `::` and a trailing dotted quad included. */
function ipv6Bytes(ip: string): Buffer {
  const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(ip);
  const hex = quad ? ip.slice(0, quad.index) + [1, 3].map((i) => ((Number(quad[i]) << 8) | Number(quad[i + 1])).toString(16)).join(':') : ip;
  const [head, tail] = hex.split('::').map((part) => (part ? part.split(':') : []));
  const groups = tail === undefined ? head! : [...head!, ...Array<string>(8 - head!.length - tail.length).fill('0'), ...tail];
  return Buffer.from(groups.flatMap((group) => [parseInt(group, 16) >> 8, parseInt(group, 16) & 0xff]));
}

function makeLeaf(host: Host, publicKey: KeyObject, ca: { key: KeyObject; publicKey: KeyObject; notAfter: number }): string {
  const now = Date.now();
  // ub-common-name is 64 (RFC 5280 Appendix A.1); a longer name goes only in the subjectAltName, which §4.2.1.6 then makes critical.
  const named = host.name.length <= 64;
  const altName = host.ip ? implicit(7, host.ip) : implicit(2, Buffer.from(host.name, 'ascii')); // iPAddress [7], dNSName [2] (§4.2.1.6)
  return issue(
    {
      subject: named ? name([OID.commonName, host.name]) : seq(),
      publicKey,
      notBefore: new Date(now - BACKDATE_MS),
      notAfter: new Date(Math.min(now + LEAF_LIFETIME_MS, ca.notAfter)),
      extensions: [
        extension(OID.basicConstraints, false, seq()), // cA DEFAULT FALSE (§4.2.1.9)
        extension(OID.keyUsage, true, bits(Buffer.from([0x80]), 7)), // digitalSignature (0): ECDHE signs with it (§4.2.1.3)
        extension(OID.extKeyUsage, false, seq(oid(OID.serverAuth))), // §4.2.1.12
        extension(OID.subjectAltName, !named, seq(altName)), // browsers match only this, not the CN
        extension(OID.authorityKeyIdentifier, false, seq(implicit(0, keyIdentifier(ca.publicKey)))), // §4.2.1.1
        extension(OID.subjectKeyIdentifier, false, octets(keyIdentifier(publicKey))),
      ],
    },
    CA_NAME,
    ca.key,
  );
}

// ---- the folder ----

const newKey = () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
const isP256 = (key: KeyObject) => key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1';

/** The CA in `ca-key.pem`, if it is one this code made, matches its key, and has more than 30 days left. */
function readCa(text: string): { key: KeyObject; cert: X509Certificate } | undefined {
  const key = createPrivateKey(pemBlock(text, 'PRIVATE KEY'));
  const cert = new X509Certificate(pemBlock(text, 'CERTIFICATE'));
  const now = Date.now();
  // The leaves name the CA by these bytes (issuer, authorityKeyIdentifier): a CA made otherwise would not be their issuer.
  const ours = isP256(key) && cert.ca && cert.checkPrivateKey(key) && cert.raw.includes(CA_NAME) && cert.raw.includes(keyIdentifier(createPublicKey(key)));
  return ours && Date.parse(cert.validFrom) <= now && Date.parse(cert.validTo) - now > RENEW_BEFORE_MS ? { key, cert } : undefined;
}

function readLeafKey(text: string): KeyObject | undefined {
  const key = createPrivateKey(pemBlock(text, 'PRIVATE KEY'));
  return isP256(key) ? key : undefined;
}

/** What `parse` makes of the file; undefined when it is missing, unreadable, malformed or refused. */
async function readAs<T>(file: string, parse: (text: string) => T | undefined): Promise<T | undefined> {
  try {
    return parse(await readFile(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * The file as `parse` accepts it, or a new one from `make`. A new file is
 * written whole to a temporary name in the same folder, then put in place in
 * one step, so that a reader never sees half of it. Of two runs that start at
 * once, `link` (which, unlike `rename`, fails when the file exists) lets one
 * win, and the other takes the winner's; only a broken file is replaced by
 * `rename`, and what is on disk afterwards is what the run uses.
 */
async function settle<T>(file: string, mode: number, make: () => string, parse: (text: string) => T | undefined): Promise<T> {
  const found = await readAs(file, parse);
  if (found !== undefined) return found;
  const text = make();
  const temporary = `${file}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temporary, text, { mode, flag: 'wx' });
  try {
    await link(temporary, file);
  } catch {
    const theirs = await readAs(file, parse);
    if (theirs !== undefined) return theirs;
    await rename(temporary, file);
  } finally {
    await rm(temporary, { force: true });
  }
  return (await readAs(file, parse)) ?? parse(text)!;
}

const spkiHash = (key: KeyObject) => createHash('sha256').update(key.export({ type: 'spki', format: 'der' })).digest('base64');

/**
 * The lab's CA, made in `dir` the first time (or when it is missing, broken,
 * or has 30 days or less left) and read from there afterwards:
 *
 *   ca-key.pem    (0600) the CA's private key and its certificate, in one file so that one rename replaces both
 *   ca-cert.pem   the CA's certificate alone, written from ca-key.pem, for engines that take a CA file
 *   leaf-key.pem  (0600) the one key of every host's certificate, so that Chromium needs two SPKI hashes, not one per host
 */
export async function labAuthority(dir: string = DEFAULT_CA_DIR): Promise<LabAuthority> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const ca = await settle(path.join(dir, 'ca-key.pem'), 0o600, () => makeCa(Date.now()), readCa);
  const leafKey = await settle(path.join(dir, 'leaf-key.pem'), 0o600, () => newKey().export({ type: 'pkcs8', format: 'pem' }) as string, readLeafKey);
  const caCertPem = ca.cert.toString();
  const caCertPath = path.join(dir, 'ca-cert.pem');
  if ((await readAs(caCertPath, (text) => text)) !== caCertPem) {
    const temporary = `${caCertPath}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
    await writeFile(temporary, caCertPem, { mode: 0o644 });
    await rename(temporary, caCertPath);
  }

  const issuer = { key: ca.key, publicKey: ca.cert.publicKey, notAfter: Date.parse(ca.cert.validTo) };
  const leafPublicKey = createPublicKey(leafKey);
  const keyPem = leafKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  const leaves = new Map<string, { certPem: string; context: SecureContext }>();
  const leaf = (input: string) => {
    const host = parseHost(input);
    let made = leaves.get(host.name);
    if (!made) {
      const certPem = makeLeaf(host, leafPublicKey, issuer);
      made = { certPem, context: createSecureContext({ key: keyPem, cert: certPem + caCertPem }) };
      leaves.set(host.name, made);
    }
    return made;
  };
  return {
    caCertPem,
    caCertPath,
    spkiHashes: [spkiHash(ca.cert.publicKey), spkiHash(leafPublicKey)],
    dir,
    secureContextFor: (host) => leaf(host).context,
    certificateFor: (host) => ({ certPem: leaf(host).certPem, keyPem }),
  };
}
