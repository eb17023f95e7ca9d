import { describe, expect, it } from 'vitest';
import { protocolMismatch } from './protocol-mismatch.ts';

// As playwright-core 1.65.1 reported it against Firefox ESR 153.7.0 on this project's machine.
const SEEN = 'browser.newContext: Protocol error (emulation.setMediaFeaturesOverride): unknown command\nMessage: emulation.setMediaFeaturesOverride';

describe('protocolMismatch', () => {
  it('names both versions, the command and the pinned playwright-core when another playwright-core is installed', () => {
    const error = protocolMismatch(new Error(SEEN), 'newContext', { firefox: '153.7.0', playwrightCore: '1.65.1', pinned: '1.60.0' });
    expect(error?.message).toContain('Firefox 153.7.0 and playwright-core 1.65.1 disagree');
    expect(error?.message).toContain('emulation.setMediaFeaturesOverride');
    expect(error?.message).toContain('pins playwright-core 1.60.0');
    expect(error?.message).toContain('npm ci');
    expect(error?.message).not.toContain('\n');
  });

  it('points at the Firefox when the pinned playwright-core is the one installed', () => {
    const error = protocolMismatch(new Error(SEEN), 'newContext', { firefox: '160.0', playwrightCore: '1.60.0', pinned: '1.60.0' });
    expect(error?.message).toContain('this Firefox is the odd one out');
  });

  it('leaves other errors alone', () => {
    expect(protocolMismatch(new Error('browserType.launch: Failed to launch the browser process'), 'launch', { firefox: '153', playwrightCore: '1.60.0', pinned: '1.60.0' })).toBeUndefined();
  });
});
