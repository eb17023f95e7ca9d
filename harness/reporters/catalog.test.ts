import { describe, expect, it } from 'vitest';
import { createReporters } from './catalog.ts';

describe('the reporters of a run', () => {
  it('run the HTML reporter after the JSON and JUnit ones, so it links only the files this run wrote', () => {
    const names = (list: string[]) => createReporters(list, '/nonexistent').map((r) => r.constructor.name);
    expect(names(['terminal', 'html', 'json', 'junit'])).toEqual(['TerminalReporter', 'JsonReporter', 'JunitReporter', 'HtmlReporter']);
    expect(names(['html', 'terminal'])).toEqual(['HtmlReporter', 'TerminalReporter']);
    expect(names(['junit', 'html'])).toEqual(['JunitReporter', 'HtmlReporter']);
  });
});
