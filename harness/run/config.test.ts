import { describe, expect, it } from 'vitest';
import { runOrigins } from './config.ts';
import { effectiveOrigins } from '../scenarios/load.ts';

describe("a run's origins (--origin NAME=ORIGIN, origins in corslab.config.json)", () => {
  const file = { file: 'corslab.config.json', config: { origins: { app: 'https://app.mycompany.com', cdn: 'https://cdn.mycompany.com' } } };
  it('puts the config file under a scenario and the command line over it', () => {
    const run = runOrigins({ origins: ['app=http://localhost:5173'] }, file);
    expect(effectiveOrigins({ app: 'https://app.example.com', api: 'https://api.example.com' }, run)).toEqual({
      app: 'http://localhost:5173',
      api: 'https://api.example.com',
      cdn: 'https://cdn.mycompany.com',
    });
    expect(effectiveOrigins(undefined, runOrigins({}, undefined))).toBeUndefined();
  });
  it.each([
    ['app', '--origin app: expected NAME=ORIGIN'],
    ['app=https://app.example.com/', 'write "https://app.example.com"'],
    ['mount=https://a.example', '`mount` is taken'],
    ['my-app=https://a.example', '`my-app` cannot name an origin'],
  ])('refuses --origin %s, naming the flag', (option, message) => {
    expect(() => runOrigins({ origins: [option] }, undefined)).toThrow(message);
  });
  it("names the config file's field", () => {
    expect(() => runOrigins({}, { file: 'corslab.config.json', config: { origins: { app: 'https://APP.example.com' } } })).toThrow('corslab.config.json origins.app:');
  });
});
