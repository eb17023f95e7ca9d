// CORS Lab's helpers for the generated Next.js app (copied into every build).
// Scenario code imports them from '@/corslab/lab.js':
//   markHandled(request)  records that the handler ran for this request
//   handler(request)      the default handler: marks, then answers with the scenario's server.responses
//                         entry for the request's path, or its server.response (./answer.js)
//   origins               { app, evil, apiOrigin } of this run
//
// Next.js serves the scenarios from its own process, so the mark cannot be an
// in-memory set as in the Express and Fastify stacks. The recorder in front
// adds `x-corslab-exchange: <n>` to every request it forwards; markHandled
// sends that header to the harness's handler log over loopback and waits for
// the answer, so the mark is in before the handler's response leaves. Nothing
// about it crosses the wire to the browser.
import http from 'node:http'
import answers, { cellParam } from './responses.js'
import { answerForTarget } from './answer.js'

// Placeholders for this run's origins: the build is cached across runs whose
// ports differ, and the harness writes the real origins into each running copy.
export const origins = {
  app: 'http://app.corslab-origin.invalid',
  evil: 'http://evil.corslab-origin.invalid',
  apiOrigin: 'http://api.corslab-origin.invalid',
}

const EXCHANGE_HEADER = 'x-corslab-exchange'

/** A request header, from a Web Request (route handlers, proxy) or a Node IncomingMessage (pages API routes). */
function header(request, name) {
  if (typeof request.headers.get === 'function') return request.headers.get(name)
  const value = request.headers[name]
  return Array.isArray(value) ? value[0] : value
}

// A connection of its own for every mark: a kept-alive one can be closed by
// the harness's side just as it is reused, and the mark would be lost.
function post(url, exchange) {
  return new Promise((resolve, reject) => {
    const mark = http.request(url, { method: 'POST', agent: false, headers: { [EXCHANGE_HEADER]: exchange } }, (answer) => {
      answer.resume()
      answer.on('end', () => (answer.statusCode === 204 ? resolve() : reject(new Error(`status ${answer.statusCode}`))))
    })
    mark.on('error', reject)
    mark.end()
  })
}

/** Records that the handler ran for this request. Await it before answering. */
export async function markHandled(request) {
  const exchange = header(request, EXCHANGE_HEADER)
  const url = process.env.CORSLAB_HANDLER_LOG_URL
  if (!exchange || !url) return
  for (let attempt = 1; ; attempt++) {
    try {
      return await post(url, exchange)
    } catch (error) {
      if (attempt === 3) {
        // Said on Next's stderr; the cell then shows the handler as not reached.
        console.error(`corslab: could not mark exchange ${exchange} as handled: ${error.message}`)
        return
      }
    }
  }
}

const DEFAULT_RESPONSE = { status: 200, headers: { 'Content-Type': 'application/json; charset=utf-8' }, body: '{"ok":true}' }

/**
 * The request's target as the browser sent it, path and query: a route
 * handler's request.url is absolute, a pages API route's req.url is not. The
 * pages router serves `/s/<id>/api/...` through a rewrite to
 * `/api/s/<id>/...`, which is put back as the browser asked for it.
 */
function targetOf(request) {
  const authority = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/.exec(request.url)
  const target = authority ? request.url.slice(authority[0].length) || '/' : request.url
  return target.replace(/^\/api(\/s\/[^/?]+)/, '$1/api')
}

/** The scenario's answer to this request, its scenario found by path (`/s/<id>/...`). */
function answerOf(request) {
  const target = targetOf(request)
  const path = target.split('?')[0]
  const prefix = Object.keys(answers).find((p) => path === p || path.startsWith(`${p}/`))
  const mount = prefix === undefined ? { prefix: '', response: DEFAULT_RESPONSE } : { prefix, ...answers[prefix] }
  return answerForTarget(mount, target, cellParam)
}

// Statuses whose responses have no body (https://fetch.spec.whatwg.org/#null-body-status).
const NULL_BODY = new Set([101, 103, 204, 205, 304])

/**
 * The default handler: a route handler (Next calls it with the request and a
 * context holding the route's params) or a pages API route (`handler(req, res)`).
 */
export async function handler(request, res) {
  await markHandled(request)
  const { status, headers, body } = answerOf(request)
  if (typeof res?.setHeader === 'function') {
    res.statusCode = status
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value)
    res.end(NULL_BODY.has(status) ? undefined : body)
    return
  }
  return new Response(NULL_BODY.has(status) ? null : body, { status, headers })
}
