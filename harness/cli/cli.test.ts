import { describe, expect, it, vi } from 'vitest';
import { main } from './main.ts';

const app = 'https://app.example.com';
const api = 'https://api.example.com/items';

describe('corslab explain', () => {
  it('is a command that exits 0, and 2 on bad input', async () => {
    let out = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((out += String(chunk)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(await main(['explain', '--origin', app, '--url', api, '-X', 'PUT', '--stack', 'express-cors'])).toBe(0);
    expect(out).toContain("app.use(cors({ origin: 'https://app.example.com', methods: ['PUT'] }))");
    expect(await main(['explain', '--url', api])).toBe(2);
    expect(await main(['explain', '--origin', app, '--url', api, '--credentials', 'always'])).toBe(2);
    expect(await main(['explain', '--origin', 'not an origin', '--url', api])).toBe(2);
    vi.restoreAllMocks();
  });
});
