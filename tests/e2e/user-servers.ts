import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/**
 * Small servers "the user runs", for the tests of `server.url`, `--target`
 * and `corslab audit`: plain node:net, so every request's bytes are kept
 * exactly as they arrived (`received`), and each answers with a CORS
 * behaviour of its own. They bind to 127.0.0.1 only.
 */
export type UserServerKind =
  /** An exact allow-list, credentials, Vary: Origin, a bounded max-age. */
  | 'safe'
  /** Reflects any Origin with credentials: the classic bug. */
  | 'reflect-any'
  /** Like safe, but OPTIONS needs the session too (401 without it), and no Vary. */
  | 'options-auth';

export interface UserServer {
  port: number;
  url: string;
  /** Every request head and body as the server got it, in order, latin1. */
  received: string[];
  close(): Promise<void>;
}

export async function startUserServer(kind: UserServerKind, allowed: readonly string[]): Promise<UserServer> {
  const received: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    let buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buffer.subarray(0, end + 4).toString('latin1');
        const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
        if (buffer.length < end + 4 + length) return;
        received.push(buffer.subarray(0, end + 4 + length).toString('latin1'));
        buffer = buffer.subarray(end + 4 + length);
        socket.write(answer(kind, allowed, head));
      }
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    received,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function answer(kind: UserServerKind, allowed: readonly string[], head: string): string {
  const method = head.split(' ')[0]!;
  const origin = /\r\norigin:\s*([^\r]*)/i.exec(head)?.[1];
  const loggedIn = /\r\ncookie:[^\r]*session=/i.test(head);
  const allow = kind === 'reflect-any' ? origin : origin !== undefined && allowed.includes(origin) ? origin : undefined;
  const cors: string[] = [];
  if (allow !== undefined) cors.push(`Access-Control-Allow-Origin: ${allow}`, 'Access-Control-Allow-Credentials: true', 'Access-Control-Expose-Headers: X-Total-Count');
  if (kind !== 'options-auth') cors.push('Vary: Origin');
  if (method === 'OPTIONS') {
    if (kind === 'options-auth' && !loggedIn) return response('401 Unauthorized', ['WWW-Authenticate: Bearer'], 'log in first');
    const preflight = allow === undefined ? [] : ['Access-Control-Allow-Methods: GET, PUT, DELETE', 'Access-Control-Allow-Headers: Content-Type, X-Trace', 'Access-Control-Max-Age: 600'];
    return response('204 No Content', [...cors, ...preflight], '');
  }
  return response('200 OK', [...cors, 'Content-Type: application/json', 'X-Total-Count: 3'], '{"items":[1,2,3]}');
}

function response(status: string, headers: string[], body: string): string {
  return [`HTTP/1.1 ${status}`, ...headers, `Content-Length: ${Buffer.byteLength(body)}`, '', body].join('\r\n');
}
