// CORS Lab: what the lab's handler answers, for the generated Next.js app
// (copied into every build). Next.js runs the handler in its own process, from
// plain JavaScript, so this is servers/apps/app-stack.ts's answerFor,
// splitTarget and answerForTarget line for line; servers/apps/next/answer.test.ts
// holds the two to the same answers. Change both, or neither.

/**
 * The answer for a request whose path below the scenario's mount is
 * `pathBelowMount` (undefined: not below it) and whose query string is
 * `query` (without `?`): the `responses` entry for that path exactly, else
 * `response`. A Location without `cellParam` in its query gets the request's
 * query appended, so a redirect's next hop is attributed to the same cell.
 */
export function answerFor(answers, pathBelowMount, query, cellParam) {
  const own = pathBelowMount !== undefined && answers.responses !== undefined && Object.hasOwn(answers.responses, pathBelowMount)
  const answer = own ? answers.responses[pathBelowMount] : answers.response
  if (query === '') return answer
  const headers = {}
  for (const [name, value] of Object.entries(answer.headers)) headers[name] = name.toLowerCase() === 'location' ? withCellQuery(value, query, cellParam) : value
  return { ...answer, headers }
}

/** A request target (`/s/x/old?corslab_cell=abc`) split into its path below the mount at `prefix` (undefined when not below it) and its query (without `?`). */
export function splitTarget(prefix, target) {
  const mark = target.indexOf('?')
  const path = mark === -1 ? target : target.slice(0, mark)
  const query = mark === -1 ? '' : target.slice(mark + 1)
  const below = path === prefix || path.startsWith(`${prefix}/`) ? path.slice(prefix.length) : undefined
  return { pathBelowMount: below, query }
}

/** What the handler of the scenario mounted at `mount.prefix` answers to a request for `target` (path and query, as on the request line). */
export function answerForTarget(mount, target, cellParam) {
  const { pathBelowMount, query } = splitTarget(mount.prefix, target)
  return answerFor(mount, pathBelowMount, query, cellParam)
}

/** `location` with `query` appended unless its own query already has `cellParam` (read as the recorder reads it); a fragment stays last. */
function withCellQuery(location, query, cellParam) {
  const hash = location.indexOf('#')
  const url = hash === -1 ? location : location.slice(0, hash)
  const fragment = hash === -1 ? '' : location.slice(hash)
  const mark = url.indexOf('?')
  if (mark !== -1 && new URLSearchParams(url.slice(mark + 1)).has(cellParam)) return location
  const separator = mark === -1 ? '?' : url.endsWith('?') || url.endsWith('&') ? '' : '&'
  return `${url}${separator}${query}${fragment}`
}
