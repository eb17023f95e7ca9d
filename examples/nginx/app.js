// The app behind examples/nginx/nginx.conf: it knows nothing about CORS, the
// proxy in front adds the headers. See nginx.conf for how to audit both.
import express from 'express';

const app = express();
app.get('/api/items', (req, res) => {
  const items = [{ id: 1, name: 'first' }, { id: 2, name: 'second' }];
  res.set('X-Total-Count', String(items.length)).json(items);
});

export default app;
