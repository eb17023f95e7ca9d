/**
 * What the two Express stacks share and is pure: the routes an Express app
 * gets when its setup declares none, one handler for every method but
 * OPTIONS. The server that runs them is express-server.ts, loaded only when a
 * stack starts.
 */
export const EXPRESS_ROUTES = "app.route('/{*path}').get(handler).post(handler).put(handler).patch(handler).delete(handler)";
