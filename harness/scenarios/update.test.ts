import { describe, expect, it } from 'vitest';
import { parseScenario } from './load.ts';
import { updateText } from './update.ts';
import { unifiedDiff } from '../core/diff.ts';
import type { Scenario } from '../core/format.ts';
import type { CellResult, Difference } from '../results/types.ts';

const TEXT = `# A comment at the top stays.
title: Updates
lesson: >
  A folded lesson that the yaml package would
  write on one line if it wrote the whole file.
server:
  policy: { origin: "{app}", methods: [GET, PUT] } # stays as written
probes:
  - name: simple GET
    fetch: { url: "{api}/items" }
    expect: { preflight: false, reachedHandler: true, result: blocked } # the author's note

  # A PUT is preflighted.
  - name: PUT
    fetch: { url: "{api}/items", method: PUT }
    expect:
      preflight: false # wrong on purpose
      result: allowed
      status: 200
    expectFor:
      - stack: fastify-cors
        expect: { result: blocked }
        why: fastify's default methods
`;

async function scenario(text = TEXT): Promise<Scenario> {
  const { scenario, problems } = await parseScenario(text, 'scenarios/topic/updates.yaml', 'scenarios');
  expect(problems).toEqual([]);
  return scenario!;
}

/** A cell of probe `probe` on a stack and engine, judged against `expected` with these differences. */
function cell(probe: number, stack: string, engine: string, expected: CellResult['expected'], differences: Difference[] = []): CellResult {
  return {
    id: `topic/updates#${probe}@${stack}/${engine}`,
    scenario: 'topic/updates',
    probe,
    probeName: probe === 0 ? 'simple GET' : 'PUT',
    stack,
    engine,
    from: 'app',
    pageOrigin: 'http://app',
    verdict: differences.length > 0 ? 'fail' : 'pass',
    expected,
    differences,
    pageCode: '',
    request: { url: 'http://api/items' },
  } as CellResult;
}

describe('--update', () => {
  it('writes the observed value over the expected one, and changes no other byte', async () => {
    const s = await scenario();
    const expected = s.probes[0]!.expect;
    const cells = ['express-cors', 'next'].map((stack) => cell(0, stack, 'chromium', expected, [{ field: 'result', expected: 'blocked', observed: 'allowed' }]));
    const update = updateText(s, TEXT, cells);
    expect(unifiedDiff(update.before, update.after, s.file)).toBe(
      [
        '--- scenarios/topic/updates.yaml',
        '+++ scenarios/topic/updates.yaml',
        '@@ -8,7 +8,7 @@',
        ' probes:',
        '   - name: simple GET',
        '     fetch: { url: "{api}/items" }',
        '-    expect: { preflight: false, reachedHandler: true, result: blocked } # the author\'s note',
        '+    expect: { preflight: false, reachedHandler: true, result: allowed } # the author\'s note',
        ' ',
        '   # A PUT is preflighted.',
        '   - name: PUT',
        '',
      ].join('\n'),
    );
    expect(update.probes).toEqual(['simple GET']);
    expect(update.notes).toEqual([]);
  });

  it('edits a block mapping line by line, keeping its comments, and an expectFor rule where the cells took the value from', async () => {
    const s = await scenario();
    const general = { preflight: false, result: 'allowed', status: 200 } as const;
    const cells = [
      cell(1, 'express-cors', 'chromium', general, [{ field: 'preflight', expected: false, observed: true }]),
      cell(1, 'fastify-cors', 'chromium', { preflight: false, result: 'blocked' }, [
        { field: 'preflight', expected: false, observed: true },
        { field: 'result', expected: 'blocked', observed: 'allowed' },
      ]),
    ];
    const { after } = updateText(s, TEXT, cells);
    expect(after).toContain('    expect:\n      preflight: true # wrong on purpose\n      result: allowed\n      status: 200\n');
    expect(after).toContain('      - stack: fastify-cors\n        expect: { result: allowed }\n        why: fastify\'s default methods\n');
  });

  it('gives an engine that observed something else a rule of its own, whose source the loader refuses until it is filled in', async () => {
    const s = await scenario();
    const expected = s.probes[0]!.expect;
    const cells = [
      cell(0, 'express-cors', 'chromium', expected, [{ field: 'result', expected: 'blocked', observed: 'allowed' }]),
      cell(0, 'next', 'chromium', expected, [{ field: 'result', expected: 'blocked', observed: 'allowed' }]),
      cell(0, 'express-cors', 'firefox', expected, [{ field: 'result', expected: 'blocked', observed: 'allowed' }]),
      cell(0, 'next', 'firefox', expected, [{ field: 'result', expected: 'blocked', observed: 'allowed' }]),
      cell(0, 'express-cors', 'webkit', expected),
      cell(0, 'next', 'webkit', expected),
    ];
    const { after } = updateText(s, TEXT, cells);
    expect(after).toContain(
      [
        '    expect: { preflight: false, reachedHandler: true, result: allowed } # the author\'s note',
        '    expectFor:',
        '      - engine: webkit',
        '        expect: { result: blocked }',
        '        why: "observed; TODO: explain"',
        '        source: TODO',
        '',
        '  # A PUT is preflighted.',
      ].join('\n'),
    );
    const { problems } = await parseScenario(after, s.file, 'scenarios');
    expect(problems).toEqual([
      expect.objectContaining({ line: 16, field: 'probes[0].expectFor[0].source', message: '`TODO` must be replaced with a link to where the difference is documented (a spec issue or an engine bug); `corslab run --update` wrote it for you to fill in' }),
    ]);
  });

  it('splits by stack too when one engine observed different things on different stacks, and drops what a blocked response cannot read', async () => {
    const s = await scenario();
    const general = { preflight: false, result: 'allowed', status: 200 } as const;
    const preflighted = { field: 'preflight', expected: false, observed: true };
    const cells = [
      cell(1, 'express-cors', 'chromium', general, [preflighted]),
      cell(1, 'next', 'chromium', general, [preflighted]),
      cell(1, 'express-cors', 'firefox', general, [preflighted]),
      cell(1, 'next', 'firefox', general, [preflighted, { field: 'result', expected: 'allowed', observed: 'blocked' }, { field: 'status', expected: 200, observed: undefined }]),
    ];
    const { after, notes } = updateText(s, TEXT, cells);
    expect(notes).toEqual([]);
    expect(after).toContain(
      '        why: fastify\'s default methods\n      - stack: next\n        engine: firefox\n        expect: { result: blocked }\n        why: "observed; TODO: explain"\n        source: TODO\n',
    );
    expect(after).toContain('      preflight: true # wrong on purpose\n');
  });

  it('adds and removes fields in a block mapping and in a flow mapping, moving a header from readable to unreadable', async () => {
    const s = await scenario();
    const blocked = { field: 'result', expected: 'allowed', observed: 'blocked' };
    const put = [cell(1, 'express-cors', 'chromium', { preflight: false, result: 'allowed', status: 200 }, [blocked, { field: 'status', expected: 200, observed: undefined }, { field: 'preflight', expected: false, observed: true }, { field: 'preflights', expected: undefined, observed: 1 }])];
    const { after } = updateText(s, TEXT, put);
    expect(after).toContain('    expect:\n      preflight: true # wrong on purpose\n      result: blocked\n      preflights: 1\n    expectFor:\n');
    const text = TEXT.replace('expect: { preflight: false, reachedHandler: true, result: blocked }', 'expect: { result: allowed, status: 200, readable: [X-Total-Count, X-Other] }');
    const t = await scenario(text);
    const get = cell(0, 'express-cors', 'chromium', t.probes[0]!.expect, [{ field: 'readable x-total-count', expected: 'readable', observed: 'not readable' }, { field: 'status', expected: 200, observed: 201 }]);
    get.observed = { result: 'allowed', actual: 0, exchanges: [{ response: { headers: [['X-Total-Count', '3']] } }] } as unknown as CellResult['observed'];
    expect(updateText(t, text, [get]).after).toContain('    expect: { result: allowed, status: 201, readable: [X-Other], unreadable: [X-Total-Count] } # the author\'s note\n');
  });

  it('leaves what it cannot write to the author, and says so', async () => {
    const s = await scenario();
    const cells = [cell(0, 'express-cors', 'chromium', { ...s.probes[0]!.expect, bodyContains: 'x' }, [{ field: 'body', expected: 'contains "x"', observed: '{}' }])];
    const update = updateText(s, TEXT, cells);
    expect(update.after).toBe(TEXT);
    expect(update.notes).toEqual(['scenarios/topic/updates.yaml: simple GET: chromium on express-cors: `body` (expected "contains \\"x\\"", observed "{}") is left for you to edit']);
  });
});
