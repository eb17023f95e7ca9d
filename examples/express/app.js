// An Express API that lets one web app read it with the user's cookies: the
// cors package with an allow-list function, as you would deploy it.
//
// Audit it (no YAML to write; it runs in real Chromium, Firefox and WebKit):
//
//   npx corslab audit --app examples/express/app.js --path /api/items \
//     --origin https://app.mycompany.com --credentials --read X-Total-Count
//
// The page at https://app.mycompany.com must be allowed and read the answer
// and its X-Total-Count header; then pages of an attacker (another site, a
// sandboxed frame, look-alikes such as https://evilapp.mycompany.com or
// https://app.mycompany.com.attacker.test, http, subdomains) make the same
// request with credentials and must be blocked. Add `--save audit.yaml` to
// keep the audit as a scenario file that `corslab run audit.yaml` repeats.
import express from 'express';
import cors from 'cors';

// Exact origins, compared as whole strings: no endsWith, startsWith or
// regular expression, which each let a look-alike origin in.
const ALLOWED_ORIGINS = new Set(['https://app.mycompany.com']);

const app = express();
app.use(
  cors({
    // The cors package calls this with the request's Origin (undefined for a
    // same-origin or non-browser request, which needs no CORS header).
    origin(origin, callback) {
      callback(null, origin !== undefined && ALLOWED_ORIGINS.has(origin));
    },
    // The page sends its session cookie (fetch(..., { credentials: 'include' })):
    // Access-Control-Allow-Credentials: true, and never `*` as the origin.
    credentials: true,
    // A header the page reads besides the CORS-safelisted ones.
    exposedHeaders: ['X-Total-Count'],
  }),
);

app.get('/api/items', (req, res) => {
  const items = [{ id: 1, name: 'first' }, { id: 2, name: 'second' }];
  res.set('X-Total-Count', String(items.length)).json(items);
});

export default app;
