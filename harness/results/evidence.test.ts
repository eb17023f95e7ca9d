import { describe, expect, it } from 'vitest';
import { predict, type ExchangeLike } from '../model/index.ts';
import type { Exchange } from './types.ts';

/** A recorded browser Exchange (the harness's own setup requests aside) must be usable as the model's evidence as it is. */
type Fits<T extends U, U> = T;
export type RecordedExchangeIsEvidence = Fits<Exchange & { kind: 'preflight' | 'actual' }, ExchangeLike>;

describe('the results contract and the model', () => {
  it('takes a recorded Exchange as the model evidence it is (checked by the type RecordedExchangeIsEvidence)', () => {
    const recorded: Exchange & { kind: 'actual' } = {
      seq: 1,
      at: 0,
      kind: 'actual',
      request: { method: 'GET', target: '/items', httpVersion: '1.1', headers: [['Origin', 'http://app.localhost']] },
      response: { httpVersion: '1.1', status: 200, statusText: 'OK', headers: [['Access-Control-Allow-Origin', 'http://app.localhost']], complete: true },
      reachedHandler: true,
    };
    expect(predict({ pageOrigin: 'http://app.localhost', url: 'http://api.localhost/items' }, [recorded]).result).toBe('allowed');
  });
});
