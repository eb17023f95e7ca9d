import { describe, expect, it } from 'vitest';
import { parseScenario } from './load.ts';

const valid = `title: A PUT is preflighted
lesson: PUT is not safelisted.
server:
  policy: { origin: "{app}", methods: [PUT] }
probes:
  - fetch: { url: "{api}/items", method: PUT }
    expect: { preflight: true, result: allowed }
`;

async function problemsOf(text: string) {
  return (await parseScenario(text, 'scenarios/topic/case.yaml', 'scenarios')).problems;
}

describe('scenario loading', () => {
  it('loads a valid scenario with its id, chapter and probe lines', async () => {
    const { scenario, problems } = await parseScenario(valid, 'scenarios/preflight/put.yaml', 'scenarios');
    expect(problems).toEqual([]);
    expect(scenario).toMatchObject({ id: 'preflight/put', chapter: 'preflight', file: 'scenarios/preflight/put.yaml', probeLines: [6] });
  });

  it('reports bad YAML with its line and column', async () => {
    const problems = await problemsOf('title: [unclosed\nlesson: x\n');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ file: 'scenarios/topic/case.yaml', field: '' });
    expect(problems[0]!.message).toMatch(/^YAML: /);
    expect(problems[0]!.line).toBeGreaterThanOrEqual(1);
  });

  it('names an unknown field at the key, and suggests the field meant', async () => {
    const problems = await problemsOf(valid.replace('    expect:', '    expcet: {}\n    expect:'));
    expect(problems).toEqual([
      expect.objectContaining({ line: 7, column: 5, field: 'probes[0].expcet', message: expect.stringMatching(/unknown field `expcet`; did you mean `expect`\?/) }),
    ]);
  });

  it('reports a wrong type with what was found', async () => {
    const problems = await problemsOf(valid.replace('preflight: true', 'preflight: "yes"'));
    expect(problems).toEqual([
      expect.objectContaining({ line: 7, field: 'probes[0].expect.preflight', message: 'must be a boolean, got string "yes"' }),
    ]);
  });

  it('calls an unknown key under server an unknown stack', async () => {
    // No stack's name has an underscore (servers/apps/catalog.ts refuses one), so this stays unknown whatever stacks are added.
    const problems = await problemsOf(valid.replace('server:\n', 'server:\n  fastify_cors: { code: "app.use(x)" }\n'));
    expect(problems).toEqual([
      expect.objectContaining({ line: 4, column: 3, field: 'server.fastify_cors', message: expect.stringMatching(/^unknown stack or field `fastify_cors`; did you mean `fastify-cors`\?.*express-cors, express-manual, fastify-cors/) }),
    ]);
  });

  it('reports every problem of a file at once', async () => {
    const text = valid.replace('method: PUT', 'method: "PUT /x"').replace('result: allowed', 'result: allowd').replace('lesson: PUT is not safelisted.\n', '');
    const fields = (await problemsOf(text)).map((p) => p.field).sort();
    expect(fields).toEqual(['lesson', 'probes[0].expect.result', 'probes[0].fetch.method']);
  });

  it('refuses URLs outside the lab, so no probe can contact the network', async () => {
    const problems = await problemsOf(valid.replace('"{api}/items"', '"https://example.com/items"'));
    expect(problems[0]).toMatchObject({ field: 'probes[0].fetch.url', message: expect.stringMatching(/Starts with \{api\}/) });
  });

  it('refuses header values that would split a header', async () => {
    const problems = await problemsOf(
      valid.replace('method: PUT }', 'method: PUT, headers: { X-A: "a\\r\\nX-Injected: 1" } }'),
    );
    expect(problems[0]).toMatchObject({ field: 'probes[0].fetch.headers.X-A', message: expect.stringMatching(/no CR, LF or NUL/) });
  });

  it('flags unknown placeholders', async () => {
    const problems = await problemsOf(valid.replace('"{app}"', '"{ap}"'));
    expect(problems).toEqual([expect.objectContaining({ field: 'server.policy.origin', message: expect.stringMatching(/unknown placeholder \{ap\}/) })]);
  });

  it('refuses a body on a GET, which fetch() would throw on before sending', async () => {
    const problems = await problemsOf(valid.replace('method: PUT }', 'method: GET, body: "x" }'));
    expect(problems).toEqual([expect.objectContaining({ field: 'probes[0].fetch.body' })]);
  });

  it('refuses stack code that does not compile, naming the stack', async () => {
    const problems = await problemsOf(valid.replace('server:\n', 'server:\n  express-cors: { code: "app.use(cors(" }\n'));
    expect(problems).toEqual([expect.objectContaining({ line: 4, field: 'server.express-cors.code', message: expect.stringMatching(/^does not compile/) })]);
  });

  it('asks for a source when an engine is expected to differ', async () => {
    const text = valid.replace('    expect: { preflight: true, result: allowed }', '    expect: { preflight: true, result: allowed }\n    expectFor:\n      - { engine: webkit, expect: { result: blocked }, why: "it does" }');
    const problems = await problemsOf(text);
    expect(problems).toEqual([expect.objectContaining({ field: 'probes[0].expectFor[0].source' })]);
  });

  it('refuses an expectation that reads a status from a blocked response', async () => {
    const problems = await problemsOf(valid.replace('result: allowed', 'result: blocked, status: 200'));
    expect(problems).toEqual([expect.objectContaining({ field: 'probes[0].expect.status' })]);
  });
});

describe('what a scenario may make the browser contact', () => {
  it('refuses a redirect out of the lab, and accepts one that stays in it', async () => {
    const withLocation = (location: string) => valid.replace('server:\n', `server:\n  response: { status: 302, headers: { Location: "${location}" } }\n`);
    expect((await problemsOf(withLocation('https://example.com/x')))[0]).toMatchObject({ field: 'server.response.headers.Location', message: expect.stringMatching(/must point into the lab/) });
    expect((await problemsOf(withLocation('//example.com/x'))).length).toBe(1);
    expect(await problemsOf(withLocation('{api}/elsewhere'))).toEqual([]);
    expect(await problemsOf(withLocation('/relative'))).toEqual([]);
  });

  it('refuses a redirect out of the lab on any path of server.responses, at its line', async () => {
    const text = valid.replace('server:\n', 'server:\n  responses:\n    /in: { status: 302, headers: { Location: "new" } }\n    /out:\n      status: 302\n      headers: { Location: "https://example.com/x" }\n');
    expect(await problemsOf(text)).toEqual([
      { file: 'scenarios/topic/case.yaml', line: 8, column: 28, field: 'server.responses["/out"].headers.Location', message: expect.stringMatching(/must point into the lab/) },
    ]);
    const refresh = valid.replace('server:\n', 'server:\n  responses: { /r: { headers: { Refresh: "0; url=//example.com/" } } }\n');
    expect((await problemsOf(refresh)).map((p) => p.field)).toEqual(['server.responses["/r"].headers.Refresh']);
  });

  it('flags an unknown placeholder in a redirect, which would otherwise be a relative path that stays in the lab', async () => {
    const text = valid.replace('server:\n', 'server:\n  responses: { /old: { status: 302, headers: { Location: "{apx}/new" } } }\n');
    expect(await problemsOf(text)).toEqual([expect.objectContaining({ field: 'server.responses["/old"].headers.Location', message: expect.stringMatching(/unknown placeholder \{apx\}/) })]);
  });

  it('reads a redirect the way the browser does: a backslash, userinfo or a tab cannot lead out of the lab', async () => {
    const withLocation = (location: string) => valid.replace('server:\n', `server:\n  response: { status: 302, headers: { Location: ${JSON.stringify(location)} } }\n`);
    for (const escape of ['/\\example.com/x', '/\t/example.com/x', '{apiOrigin}@example.com/x', '{apiOrigin}.example.com/', '{app}:80@example.com']) {
      expect((await problemsOf(withLocation(escape))).map((p) => p.field), escape).toEqual(['server.response.headers.Location']);
    }
    expect(await problemsOf(withLocation('{api}/a\\b'))).toEqual([]);
  });
});

describe('answers by path (server.responses)', () => {
  const withResponses = (entries: string) => valid.replace('server:\n', `server:\n  responses:\n${entries}`);

  it('loads paths below the mount, each with an answer', async () => {
    const { scenario, problems } = await parseScenario(withResponses('    /old: { status: 302, headers: { Location: "{api}/new" } }\n    /new/data: { body: moved }\n    /: {}\n'), 'scenarios/topic/case.yaml', 'scenarios');
    expect(problems).toEqual([]);
    expect(scenario!.server.responses).toEqual({ '/old': { status: 302, headers: { Location: '{api}/new' } }, '/new/data': { body: 'moved' }, '/': {} });
  });

  it.each([
    ['old', 'does not start with /', 'server.responses.old'],
    ['/old?page=2', 'has a query', 'server.responses["/old?page=2"]'],
    ['/old#top', 'has a fragment', 'server.responses["/old#top"]'],
    ['/a/../b', 'has a .. segment', 'server.responses["/a/../b"]'],
    ['/a/%2e%2e', 'has a .. segment, percent-encoded', 'server.responses["/a/%2e%2e"]'],
    ['/.', 'has a . segment', 'server.responses["/."]'],
    ['/a b', 'has a space', 'server.responses["/a b"]'],
    ['/caf\u00e9', 'is not sent as written', 'server.responses["/caf\u00e9"]'],
  ])('refuses the path %j (it %s) at its key, naming the field', async (key, _why, field) => {
    const text = withResponses(`    /ok: { body: fine }\n    ${JSON.stringify(key)}: { status: 302 }\n`);
    const problems = await problemsOf(text);
    expect(problems).toEqual([
      { file: 'scenarios/topic/case.yaml', line: 6, column: 5, field, message: expect.stringMatching(/^invalid key .*: A path below the scenario's mount, compared with the request's path exactly/) },
    ]);
  });

  it('finds the bad key on its own line in a block mapping', async () => {
    const problems = await problemsOf(withResponses('    /ok:\n      body: fine\n    /bad?x:\n      status: 302\n'));
    expect(problems).toEqual([expect.objectContaining({ line: 7, column: 5, field: 'server.responses["/bad?x"]' })]);
  });

  it('checks each answer as server.response is checked: status, header names and values', async () => {
    const problems = await problemsOf(withResponses('    /a: { status: 99 }\n    /b: { headers: { "X-A": "1\\r\\nX-Injected: 1" } }\n    /c: { headers: { "Bad Name": "1" } }\n    /d: { bdy: x }\n'));
    expect(problems.map((p) => [p.line, p.field])).toEqual([
      [5, 'server.responses["/a"].status'],
      [6, 'server.responses["/b"].headers.X-A'],
      [7, 'server.responses["/c"].headers["Bad Name"]'],
      [8, 'server.responses["/d"].bdy'],
    ]);
    expect(problems[1]!.message).toMatch(/no other control character/);
  });

  it('refuses an empty mapping', async () => {
    expect((await problemsOf(valid.replace('server:\n', 'server:\n  responses: {}\n'))).map((p) => p.field)).toEqual(['server.responses']);
  });
});

describe('scenarios of one run', () => {
  it('may not share an id or the path their apps are mounted at', async () => {
    const { mkdtemp, mkdir, writeFile } = await import('node:fs/promises');
    const os = await import('node:os');
    const path = await import('node:path');
    const { loadScenarios } = await import('./load.ts');
    const root = await mkdtemp(path.join(os.tmpdir(), 'corslab-ids-'));
    // Outside the scenario root an id is the file's folder and name: these two are both `same/case`.
    for (const dir of ['one/same', 'two/same', 'root/a', 'root/a.b']) await mkdir(path.join(root, dir), { recursive: true });
    await writeFile(path.join(root, 'one/same/case.yaml'), valid);
    await writeFile(path.join(root, 'two/same/case.yaml'), valid);
    // Inside it, `a/b.c` and `a.b/c` are different ids mounted at the same /s/a.b.c.
    await writeFile(path.join(root, 'root/a/b.c.yaml'), valid);
    await writeFile(path.join(root, 'root/a.b/c.yaml'), valid);
    const error = await loadScenarios([path.join(root, 'one'), path.join(root, 'two'), path.join(root, 'root')], path.join(root, 'root')).catch((e: unknown) => e);
    const messages = (error as { problems: { message: string }[] }).problems.map((p) => p.message);
    expect(messages).toEqual([
      expect.stringMatching(/^has the scenario id `same\/case` of .*one\/same\/case\.yaml too; rename one of the files$/),
      expect.stringMatching(/^has the scenario mount path `\/s\/a\.b\.c` of .*root\/a(\.b\/c|\/b\.c)\.yaml too; rename one of the files$/),
    ]);
  });
});

describe('files that are not scenario text', () => {
  async function problemsIn(write: (dir: string) => Promise<void>): Promise<{ message: string; line: number }[]> {
    const { mkdtemp } = await import('node:fs/promises');
    const os = await import('node:os');
    const path = await import('node:path');
    const { loadScenarios } = await import('./load.ts');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'corslab-bad-'));
    await write(dir);
    const started = Date.now();
    const error = await loadScenarios([dir], dir).then(() => undefined, (e: unknown) => e);
    // Bounded time: each of these is refused without being parsed at length.
    expect(Date.now() - started).toBeLessThan(5_000);
    return (error as { problems: { message: string; line: number }[] }).problems;
  }
  const fs = () => import('node:fs/promises');

  it('refuses a dangling symbolic link and a link loop, by name', async () => {
    const problems = await problemsIn(async (dir) => {
      const { symlink } = await fs();
      await symlink(`${dir}/missing.yaml`, `${dir}/dangling.yaml`);
      await symlink(`${dir}/loop-b.yaml`, `${dir}/loop-a.yaml`);
      await symlink(`${dir}/loop-a.yaml`, `${dir}/loop-b.yaml`);
    });
    expect(problems.map((p) => p.message).sort()).toEqual([
      'is a symbolic link that loops back to itself',
      'is a symbolic link that loops back to itself',
      'is a symbolic link to nothing (its target does not exist)',
    ]);
  });

  it('does not read a FIFO named *.yaml (it would block forever)', async () => {
    const { execFileSync } = await import('node:child_process');
    const problems = await problemsIn(async (dir) => void execFileSync('mkfifo', [`${dir}/pipe.yaml`]));
    expect(problems.map((p) => p.message)).toEqual(['is not a regular file (a pipe, socket or device), so it is not read']);
  });

  it('refuses a file over the size limit before parsing it', async () => {
    const problems = await problemsIn(async (dir) => (await fs()).writeFile(`${dir}/big.yaml`, `title: x\n#${'j'.repeat(5 * 1024 * 1024)}\n`));
    expect(problems[0]!.message).toMatch(/^is 524\d{4} bytes; a scenario file may have at most 262144$/);
  });

  it('refuses NUL bytes, Latin-1 and invalid UTF-8 at the line of the bad byte', async () => {
    const problems = await problemsIn(async (dir) => {
      const { writeFile } = await fs();
      await writeFile(`${dir}/nul.yaml`, Buffer.from('title: a\nlesson: b\0c\n'));
      await writeFile(`${dir}/latin1.yaml`, Buffer.from('title: a\nlesson: caf\xe9\n', 'latin1'));
    });
    expect(problems).toEqual([
      expect.objectContaining({ line: 2, message: 'is not UTF-8 text (byte 0xe9 at offset 20); save it as UTF-8' }),
      expect.objectContaining({ line: 2, message: 'has a NUL byte: a scenario file is UTF-8 text' }),
    ]);
  });

  it('refuses an alias to a missing anchor and an alias bomb, at the alias, without a stack trace', async () => {
    const laughs = ['a: &a [x, x, x, x, x, x, x, x, x]', ...'bcdefghi'.split('').map((n, i) => `${n}: &${n} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(', ')}]`)].join('\n');
    const problems = await problemsIn(async (dir) => {
      const { writeFile } = await fs();
      await writeFile(`${dir}/missing-anchor.yaml`, 'title: *nowhere\n');
      await writeFile(`${dir}/bomb.yaml`, `${laughs}\n`);
    });
    expect(problems.map((p) => p.message)).toEqual([expect.stringMatching(/^YAML: .*(alias|resource exhaustion)/i), expect.stringMatching(/^YAML: .*(nowhere|alias)/i)]);
    expect(problems.every((p) => !p.message.includes('    at '))).toBe(true);
  });

  it('refuses a file nested deeper than the limit where it gets too deep, and one the reader cannot nest, without a stack trace', async () => {
    const nested = (depth: number) => `title: x\nlesson: ${'['.repeat(depth)}${']'.repeat(depth)}\n`;
    const problems = await problemsIn(async (dir) => {
      const { writeFile } = await fs();
      await writeFile(`${dir}/a-deep.yaml`, nested(200));
      await writeFile(`${dir}/b-deeper.yaml`, nested(20_000));
    });
    expect(problems).toEqual([
      expect.objectContaining({ line: 2, column: 72, message: 'YAML: nested more than 64 levels deep here; a scenario is a few levels deep' }),
      expect.objectContaining({ line: 2, message: 'YAML: nested too deeply to read (more than 64 levels); a scenario is a few levels deep' }),
    ]);
  });

  it('lists at most 20 problems of a file of junk and counts the rest', async () => {
    const probes = Array.from({ length: 200 }, (_, i) => `  - fetch: { url: 5 }\n    expect: { result: nope${i} }`).join('\n');
    const problems = await problemsIn(async (dir) => (await fs()).writeFile(`${dir}/junk.yaml`, `title: x\nlesson: y\nserver: {}\nprobes:\n${probes}\n`));
    expect(problems).toHaveLength(21);
    expect(problems[20]!.message).toBe('and 380 more problems in this file');
  });
});

/** A scenario whose one probe is the YAML given, at line 6. */
const withProbe = (probe: string) => `title: A probe
lesson: A lesson.
server:
  policy: { origin: "{app}" }
probes:
${probe}`;

describe('the fields of what was sent, what was answered, and request bodies and headers', () => {
  it('loads every new form: sent per hop, sent: false, answered, header pairs and bodies of each kind', async () => {
    const text = withProbe(`  - fetch: { url: "{api}/a", method: POST, headers: [[X-Dup, a], [X-Dup, b]], body: { formData: { name: x } } }
    expect:
      sent:
        preflight: { method: OPTIONS, origin: "{app}", requestMethod: POST, requestHeaders: x-dup }
        actual: { origin: "{app}", headers: { present: [X-Dup], absent: [X-Custom], values: { Content-Type: { matches: "^multipart/form-data; boundary=" }, X-Dup: "a, b" } } }
      answered: { actual: { status: 200, headers: { values: { Access-Control-Allow-Origin: "{app}" } }, bodyContains: ok } }
  - fetch: { url: "{api}/a", method: PUT, mode: no-cors, body: { urlSearchParams: { a: "1" } } }
    expect: { sent: false, result: blocked, preflight: false, reachedHandler: false }
  - fetch: { url: "{api}/a", method: POST, body: { blob: { type: application/json, text: "{}" } } }
    expect: { sent: { preflight: { requestHeaders: content-type }, actual: { origin: false } } }
`);
    const { problems, scenario } = await parseScenario(text, 'scenarios/topic/case.yaml', 'scenarios');
    expect(problems).toEqual([]);
    expect(scenario!.probes[0]!.fetch.headers).toEqual([['X-Dup', 'a'], ['X-Dup', 'b']]);
  });

  it('refuses `sent: true`, naming the file, line and field', async () => {
    const problems = await problemsOf(withProbe(`  - fetch: { url: "{api}/a" }
    expect: { sent: true }
`));
    expect(problems).toEqual([
      expect.objectContaining({ file: 'scenarios/topic/case.yaml', line: 7, field: 'probes[0].expect.sent', message: expect.stringMatching(/^must be false, got boolean true/) }),
    ]);
  });

  it('names a misspelt field inside sent at its own line, with the field meant', async () => {
    const problems = await problemsOf(withProbe(`  - fetch: { url: "{api}/a", method: PUT }
    expect:
      sent:
        preflight: { requestHeader: x-a }
`));
    expect(problems).toEqual([
      expect.objectContaining({ line: 9, field: 'probes[0].expect.sent.preflight.requestHeader', message: expect.stringMatching(/unknown field `requestHeader`; did you mean `requestHeaders`\?/) }),
    ]);
  });

  it('takes an Access-Control-Request-Headers value as written, so that a wrong one fails when it runs rather than here', async () => {
    const problems = await problemsOf(withProbe(`  - fetch: { url: "{api}/a", method: PUT }
    expect: { sent: { preflight: { requestHeaders: "Authorization, Content-Type" } } }
`));
    expect(problems).toEqual([]);
  });

  it('refuses a header name that is not a token in sent headers', async () => {
    const problems = await problemsOf(withProbe(`  - fetch: { url: "{api}/a" }
    expect: { sent: { actual: { headers: { absent: ["X Custom"] } } } }
`));
    expect(problems).toEqual([expect.objectContaining({ line: 7, field: 'probes[0].expect.sent.actual.headers.absent[0]' })]);
  });

  it('refuses a pattern that is not a regular expression', async () => {
    const problems = await problemsOf(withProbe(`  - fetch: { url: "{api}/a" }
    expect: { sent: { actual: { headers: { values: { Content-Type: { matches: "(unclosed" } } } } } }
`));
    expect(problems).toEqual([expect.objectContaining({ line: 7, field: 'probes[0].expect.sent.actual.headers.values.Content-Type.matches', message: expect.stringMatching(/^is not a regular expression/) })]);
  });

  it('refuses an unknown placeholder in what was sent', async () => {
    const problems = await problemsOf(withProbe(`  - fetch: { url: "{api}/a" }
    expect: { sent: { actual: { origin: "{ap}" } } }
`));
    expect(problems).toEqual([expect.objectContaining({ line: 7, field: 'probes[0].expect.sent.actual.origin', message: expect.stringMatching(/unknown placeholder \{ap\}/) })]);
  });

  it('refuses `sent: false` together with what a request that went out would show', async () => {
    const problems = await problemsOf(withProbe(`  - fetch: { url: "{api}/a", method: PUT, mode: no-cors }
    expect: { sent: false, result: opaque, preflight: true, reachedHandler: true, answered: { actual: { status: 400 } } }
`));
    expect(problems.map((p) => p.field)).toEqual(['probes[0].expect.result', 'probes[0].expect.preflight', 'probes[0].expect.reachedHandler', 'probes[0].expect.answered']);
    expect(problems[0]!.message).toMatch(/contradicts `sent: false`/);
  });

  it('refuses what JavaScript reads under `sent: false`, which implies a blocked result', async () => {
    const problems = await problemsOf(withProbe(`  - fetch: { url: "{api}/a", method: PUT, mode: no-cors }
    expect: { sent: false, status: 200 }
`));
    expect(problems).toEqual([expect.objectContaining({ field: 'probes[0].expect.status', message: expect.stringMatching(/not blocked \(as `sent: false` implies\)/) })]);
  });

  it('refuses a preflight described in sent when the expectation says none is sent', async () => {
    const problems = await problemsOf(withProbe(`  - fetch: { url: "{api}/a" }
    expect: { preflight: false, sent: { preflight: { requestMethod: GET } } }
`));
    expect(problems).toEqual([expect.objectContaining({ field: 'probes[0].expect.sent.preflight', message: expect.stringMatching(/says none is sent/) })]);
  });

  it('refuses a header both absent and present', async () => {
    const problems = await problemsOf(withProbe(`  - fetch: { url: "{api}/a" }
    expect: { sent: { actual: { headers: { present: [X-A], absent: [x-a] } } } }
`));
    expect(problems).toEqual([expect.objectContaining({ field: 'probes[0].expect.sent.actual.headers.absent[0]', message: '`x-a` cannot be both absent and present' })]);
  });

  it('refuses a cookie in sent.actual.cookies that the scenario does not set', async () => {
    const problems = await problemsOf(withProbe(`  - fetch: { url: "{api}/a", credentials: include }
    expect: { sent: { actual: { cookies: [sid] } } }
`));
    expect(problems).toEqual([expect.objectContaining({ field: 'probes[0].expect.sent.actual.cookies[0]', message: expect.stringMatching(/cookie `sid` is not one of the scenario's cookies/) })]);
  });

  it('checks sent in an expectFor override too', async () => {
    const problems = await problemsOf(withProbe(`  - fetch: { url: "{api}/a" }
    expect: { result: allowed }
    expectFor:
      - stack: next
        why: Next trims it
        expect: { answered: { actual: { headers: { values: { X-A: { matches: "[" } } } } } }
`));
    expect(problems).toEqual([expect.objectContaining({ field: 'probes[0].expectFor[0].expect.answered.actual.headers.values.X-A.matches' })]);
  });

  it('refuses a misspelt body kind, naming the kinds there are', async () => {
    const problems = await problemsOf(withProbe(`  - fetch: { url: "{api}/a", method: POST, body: { formdata: { a: "1" } } }
    expect: { result: allowed }
`));
    expect(problems).toEqual([expect.objectContaining({ line: 6, field: 'probes[0].fetch.body.formdata', message: expect.stringMatching(/unknown field `formdata`; did you mean `formData`\?/) })]);
  });

  it('refuses two body kinds at once', async () => {
    const problems = await problemsOf(withProbe(`  - fetch: { url: "{api}/a", method: POST, body: { formData: { a: "1" }, urlSearchParams: { a: "1" } } }
    expect: { result: allowed }
`));
    expect(problems).toEqual([expect.objectContaining({ field: 'probes[0].fetch.body' })]);
  });

  it('refuses a body of any kind on a GET', async () => {
    const problems = await problemsOf(withProbe(`  - fetch: { url: "{api}/a", body: { urlSearchParams: { a: "1" } } }
    expect: { result: allowed }
`));
    expect(problems).toEqual([expect.objectContaining({ field: 'probes[0].fetch.body', message: expect.stringMatching(/a GET request cannot have a body/) })]);
  });

  it('refuses a header pair that is not a name and a value, at the pair', async () => {
    const problems = await problemsOf(withProbe(`  - fetch: { url: "{api}/a", headers: [[X-A, "1", extra]] }
    expect: { result: allowed }
`));
    expect(problems).toEqual([expect.objectContaining({ field: 'probes[0].fetch.headers[0]' })]);
  });

  it('refuses a header value with a line break in a pair, as in a mapping', async () => {
    const problems = await problemsOf(withProbe(`  - fetch: { url: "{api}/a", headers: [[X-A, "a\\r\\nX-Injected: 1"]] }
    expect: { result: allowed }
`));
    expect(problems).toEqual([expect.objectContaining({ field: 'probes[0].fetch.headers[0][1]', message: expect.stringMatching(/no CR, LF or NUL/) })]);
  });
});

describe('named origins (origins:)', () => {
  const scenario = (origins: string, probe = '  - fetch: { url: "{api}/x" }\n    expect: { result: allowed }\n') =>
    `title: t\nlesson: l\norigins:\n${origins}server: {}\nprobes:\n${probe}`;
  it('takes origins as the browser serializes them, and every name as a page and a placeholder', async () => {
    const { scenario: s, problems } = await parseScenario(scenario('  app: "http://localhost:5173"\n  cdn: "https://cdn.example.net"\n', '  - from: cdn\n    fetch: { url: "{cdn}{mount}/x" }\n    expect: { result: allowed }\n'), 'scenarios/topic/case.yaml', 'scenarios');
    expect(problems).toEqual([]);
    expect(s!.origins).toEqual({ app: 'http://localhost:5173', cdn: 'https://cdn.example.net' });
  });
  it.each([
    ['"https://app.example.com/"', 'write "https://app.example.com"'],
    ['"https://App.Example.com"', 'write "https://app.example.com"'],
    ['"https://app.example.com:443"', 'write "https://app.example.com"'],
    ['"ftp://app.example.com"', 'an origin of the lab is http or https'],
    ['"not an origin"', 'is not an origin'],
    ['"http://user@app.example.com"', 'user info'],
    ['"http://evil.localhost:3000"', "the lab's own name"],
  ])('refuses %s at its line and field', async (value, message) => {
    const problems = await problemsOf(scenario(`  app: ${value}\n`));
    expect(problems).toEqual([expect.objectContaining({ line: 4, field: 'origins.app', message: expect.stringContaining(message) })]);
  });
  it('refuses names that are taken or cannot be placeholders', async () => {
    const problems = await problemsOf(scenario('  sandboxed: "https://a.example"\n  apiOrigin: "https://b.example"\n'));
    expect(problems.map((p) => p.field)).toEqual(['origins.sandboxed', 'origins.apiOrigin']);
  });
  it('says which pages there are when from: names none of them', async () => {
    const problems = await problemsOf(scenario('  cdn: "https://cdn.example.net"\n', '  - from: cdnn\n    fetch: { url: "{api}/x" }\n    expect: { result: allowed }\n'));
    expect(problems).toEqual([expect.objectContaining({ field: 'probes[0].from', message: expect.stringContaining('did you mean `cdn`?') })]);
  });
  it('lets a redirect lead to a declared origin, and no further', async () => {
    const redirect = (to: string) => `title: t\nlesson: l\norigins:\n  cdn: "https://cdn.example.net"\nserver:\n  response: { status: 302, headers: { Location: "${to}" } }\nprobes:\n  - fetch: { url: "{api}/x" }\n    expect: { result: allowed }\n`;
    expect(await problemsOf(redirect('{cdn}{mount}/new'))).toEqual([]);
    expect(await problemsOf(redirect('https://cdn.example.net/new'))).toEqual([]);
    expect(await problemsOf(redirect('https://other.example.net/new'))).toEqual([expect.objectContaining({ message: expect.stringContaining('must point into the lab') })]);
    expect(await problemsOf(redirect('http://cdn.example.net/new'))).toEqual([expect.objectContaining({ message: expect.stringContaining('must point into the lab') })]);
  });
});

describe('control characters that a server could never send', () => {
  it('refuses them in a response header value and in a policy origin, at the field', async () => {
    const text = 'title: t\nlesson: l\nserver:\n  policy: { origin: "https://a.example\\u0001" }\n  response: { headers: { X-A: "a\\u0007b" } }\nprobes:\n  - fetch: { url: "{api}/x" }\n    expect: { result: allowed }\n';
    const problems = await problemsOf(text);
    expect(problems.map((p) => p.field).sort()).toEqual(['server.policy.origin', 'server.response.headers.X-A']);
  });
  it('keeps a tab and Latin-1 in a response header value, which servers may send', async () => {
    const text = 'title: t\nlesson: l\nserver:\n  response: { headers: { X-A: "a\\tb\\u00e9" } }\nprobes:\n  - fetch: { url: "{api}/x" }\n    expect: { result: allowed }\n';
    expect(await problemsOf(text)).toEqual([]);
  });
});
