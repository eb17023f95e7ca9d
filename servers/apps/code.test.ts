import { describe, expect, it } from 'vitest';
import { declaresRoutes, withRoutes } from './code.ts';
import { EXPRESS_ROUTES } from './express-routes.ts';

describe('a snippet declares routes of its own only where its code uses `handler`', () => {
  it('does when it passes the handler to a route, in shorthand or inside a template literal', () => {
    expect(declaresRoutes("app.get('/data', handler)")).toBe(true);
    expect(declaresRoutes("app.route({ method: ['GET'], url: '/*', handler })")).toBe(true);
    expect(declaresRoutes('const routes = `${handler}`')).toBe(true);
  });

  it('does not when the word is in a comment, so the catch-all routes stay', () => {
    const code = '// every request reaches the handler\napp.use(cors())';
    expect(declaresRoutes(code)).toBe(false);
    expect(withRoutes(code, EXPRESS_ROUTES).endsWith(EXPRESS_ROUTES)).toBe(true);
  });

  it('does not when the word is in a string, a property or an object key', () => {
    expect(declaresRoutes("res.setHeader('X-Note', 'handler')")).toBe(false);
    expect(declaresRoutes('const name = route.handler?.name')).toBe(false);
    expect(declaresRoutes('const hooks = { handler: () => {} }')).toBe(false);
  });
});
