/**
 * The scenario format's JSON Schema, built from its common part (below) and
 * what each app stack and proxy says of its own part (their setupSchema, in
 * servers/apps/<stack>/ and servers/proxies/<proxy>/), with the names of
 * stacks, proxies and columns from the catalogs. The loader validates with
 * it; `npm run schema` writes it to scenarios/schema.json for editors (the
 * `# yaml-language-server: $schema=../schema.json` line), and schema.test.ts
 * fails when that file is out of date.
 */
import { defaults } from '../config/defaults.ts';
import { PAGE_ORIGINS } from '../core/names.ts';
import { RESPONSE_PATH, type JsonSchema, type SetupSchema } from '../core/format.ts';
import { appStackNames, stackDefinition } from '../../servers/apps/catalog.ts';
import { proxyDefinition, proxyNames } from '../../servers/proxies/catalog.ts';
import { stackNames } from '../../servers/labels.ts';

/** The pages a warm-up can come from: a real page's origin (a sandboxed frame has none to send). */
/** A page's name in `from`: a default page (PAGE_ORIGINS, some with a dash) or a name declared under `origins:`. */
const PAGE_NAME = { type: 'string', pattern: '^[a-z][a-zA-Z0-9]*(?:-[a-z]+)*$' } as const;
/** A URL a probe requests: a placeholder first, so it can only name one of the lab's origins. */
const LAB_URL = '^\\{[A-Za-z][A-Za-z0-9]*\\}[^\\s]*$';

/** The file itself: a scenario's top-level fields. */
const TOP: JsonSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'CORS Lab scenario',
  description: "One CORS Lab scenario: a server setup, the probes a page makes, and what each probe is expected to do. Placeholders: {app} and {evil} are the page origins, {apiOrigin} the API origin, {api} this scenario's API base URL.",
  type: 'object',
  additionalProperties: false,
  required: ['title', 'lesson', 'server', 'probes'],
  properties: {
    $schema: { type: 'string', description: 'Where the schema is, for editors.' },
    title: {
      type: 'string',
      minLength: 1,
      description: "States the expected result, e.g. 'A PUT is preflighted and the preflight must list PUT'.",
    },
    lesson: { type: 'string', minLength: 1, description: 'What the scenario teaches, in our own words.' },
    sources: {
      type: 'array',
      items: { type: 'string', pattern: '^https?://[^\\s]+$' },
      description: 'Primary sources (Fetch standard sections, engine bugs, library docs).',
    },
    tags: {
      type: 'array',
      items: { type: 'string', pattern: '^[a-z0-9-]+$' },
      description: 'Free tags for filtering (lowercase words with dashes).',
    },
    origins: {
      type: 'object',
      description: "The scenario's origins by name, over the lab's defaults: app (the page), api (the stack under test; {api} and {apiOrigin} follow it), evil (the attacker), and any further name (a page for from:, a redirect target, a placeholder {name}). Each is an origin as the browser serializes it (http or https, host, a port only when not the default): https://app.example.com, http://localhost:5173. The lab maps every declared host to its own listeners on 127.0.0.1, through a proxy of its own, with a certificate from a CA made at run time for https.",
      propertyNames: { pattern: '^[a-z][a-zA-Z0-9]*$' },
      additionalProperties: { type: 'string', minLength: 1 },
    },
    server: { $ref: '#/definitions/server', description: 'The API under test.' },
    cookies: {
      type: 'array',
      minItems: 1,
      description: "Cookies set first-party on the API's host (a top-level visit to it) before each probe runs, in the probe's own browser context. The report records, per engine, which of them each request carried.",
      items: { $ref: '#/definitions/cookie' },
    },
    probes: {
      type: 'array',
      minItems: 1,
      items: { $ref: '#/definitions/probe' },
      description: 'What the page tries, one cell per probe, stack and engine.',
    },
  },
};

/** `server:`, whose properties are its own fields and each stack's and proxy's part. */
const SERVER: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  description: 'The API under test. No policy and no stack code means an app without any CORS handling.',
};

/** A column's name, whose list comes from the catalogs. */
const STACK_NAME: JsonSchema = { description: 'An app stack, or a proxy in front of one, e.g. nginx>express-cors.' };

/** Definitions every scenario uses, before `server`. */
const VALUES: Record<string, JsonSchema> = {
  headerName: {
    type: 'string',
    pattern: "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$",
    description: 'An HTTP header name (RFC 9110 token).',
  },
  headerValue: { type: 'string', pattern: '^[^\\r\\n\\u0000]*$', description: 'An HTTP header value: no CR, LF or NUL.' },
  // What a server can send (RFC 9110 field-value: tab, visible ASCII, space, obs-text); Node refuses anything else at run time with a 500.
  responseHeaderValue: {
    type: 'string',
    pattern: '^[\\t\\u0020-\\u007e\\u0080-\\u00ff]*$',
    description: 'A header value a server sends: tab, space, visible ASCII and Latin-1 (RFC 9110 field-value); no other control character.',
  },
  method: {
    type: 'string',
    pattern: "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$",
    description: 'An HTTP method (RFC 9110 token), e.g. GET, PUT, DELETE.',
  },
  origin: {
    type: 'string',
    pattern: '^[\\u0021-\\u007e\\u0080-\\u00ff]+$',
    description: 'An origin such as {app}, {evil}, null, or a literal like https://app.example.com; may carry a deliberate mistake such as a trailing slash.',
  },
  headers: {
    type: 'object',
    propertyNames: { $ref: '#/definitions/headerName' },
    additionalProperties: { $ref: '#/definitions/headerValue' },
  },
  responseHeaders: {
    type: 'object',
    propertyNames: { $ref: '#/definitions/headerName' },
    additionalProperties: { $ref: '#/definitions/responseHeaderValue' },
  },
  headerPairs: {
    type: 'array',
    minItems: 1,
    description: 'Headers as [name, value] pairs, in order; a name may come more than once.',
    items: { type: 'array', minItems: 2, maxItems: 2, items: [{ $ref: '#/definitions/headerName' }, { $ref: '#/definitions/headerValue' }] },
  },
  body: {
    description: 'A string, or a body built in the page so that the browser sets its Content-Type: { urlSearchParams: {k: v} } (application/x-www-form-urlencoded;charset=UTF-8), { formData: {k: v} } (multipart/form-data; boundary=...), { blob: { type, text } } (the blob\'s type; none when it has no type).',
    if: { type: 'string' },
    else: {
      type: 'object',
      additionalProperties: false,
      minProperties: 1,
      maxProperties: 1,
      description: 'a string, or one kind of body: urlSearchParams, formData or blob',
      properties: {
        urlSearchParams: { $ref: '#/definitions/formFields', description: 'new URLSearchParams({...}): names and values, in order; the browser sends application/x-www-form-urlencoded;charset=UTF-8.' },
        formData: { $ref: '#/definitions/formFields', description: 'A FormData with these string fields, appended in order; the browser sends multipart/form-data with a boundary of its own.' },
        blob: {
          type: 'object',
          additionalProperties: false,
          required: ['text'],
          description: 'new Blob([text], { type }): the browser sends its type as the Content-Type, or none when it has no type.',
          properties: {
            type: { type: 'string', pattern: '^[^\\r\\n\\u0000]*$', description: "The Blob's type, which becomes the Content-Type (default: none, so no Content-Type is sent)." },
            text: { type: 'string', description: "The Blob's content." },
          },
        },
      },
    },
  },
  formFields: {
    type: 'object',
    additionalProperties: { type: 'string' },
    description: 'Field names and string values, in order.',
  },
  policy: {
    type: 'object',
    additionalProperties: false,
    required: ['origin'],
    description: "One CORS intent that each stack renders in its own idiom. Omitted fields keep each library's default.",
    properties: {
      origin: {
        description: '"*" (any origin, literally), "reflect" (echo any Origin back), one origin, or a list of origins.',
        oneOf: [{ $ref: '#/definitions/origin' }, { type: 'array', minItems: 1, items: { $ref: '#/definitions/origin' } }],
      },
      methods: {
        type: 'array',
        items: { $ref: '#/definitions/method' },
        description: "Methods allowed in Access-Control-Allow-Methods (default: each library's own default; @fastify/cors allows only GET, HEAD, POST).",
      },
      allowedHeaders: {
        type: 'array',
        items: { $ref: '#/definitions/headerName' },
        description: 'Request headers allowed in Access-Control-Allow-Headers (default: echo what the preflight asked for).',
      },
      exposedHeaders: {
        type: 'array',
        items: { $ref: '#/definitions/headerName' },
        description: 'Response headers JavaScript may read, sent in Access-Control-Expose-Headers.',
      },
      credentials: {
        type: 'boolean',
        description: 'Send Access-Control-Allow-Credentials: true (cookies and HTTP auth may be used).',
      },
      maxAge: {
        type: 'integer',
        minimum: 0,
        maximum: 86400,
        description: 'Seconds a browser may cache the preflight (Access-Control-Max-Age).',
      },
    },
  },
  response: {
    type: 'object',
    additionalProperties: false,
    description: 'What the app\'s handler answers when a request reaches it (default: 200 with {"ok":true}).',
    properties: {
      status: {
        type: 'integer',
        minimum: 200,
        maximum: 599,
        description: 'HTTP status the handler answers with (default 200).',
      },
      headers: {
        $ref: '#/definitions/responseHeaders',
        description: 'Headers the handler sets (default: Content-Type: application/json).',
      },
      body: { type: 'string', description: 'Body the handler sends (default: {"ok":true}).' },
    },
  },
  responsePath: {
    type: 'string',
    pattern: RESPONSE_PATH,
    description: "A path below the scenario's mount, compared with the request's path exactly: it starts with /, and holds only letters, digits, -._~!$&'()*+,;=:@/ and %XX escapes (no query, no fragment, no space), and no . or .. segment",
  },
};

/** `server:`'s own fields: the policy and the response first, then the app stacks' parts, then the fields about proxies, then the proxies' parts. */
const SERVER_FIELDS: Record<string, JsonSchema> = {
  policy: { $ref: '#/definitions/policy', description: 'One CORS intent that every stack renders in its own idiom.' },
  response: { $ref: '#/definitions/response', description: "What the app's handler answers (on every path that responses does not name)." },
  responses: {
    type: 'object',
    minProperties: 1,
    propertyNames: { $ref: '#/definitions/responsePath' },
    additionalProperties: { $ref: '#/definitions/response' },
    description:
      `What the app's handler answers on one path below the scenario's mount, by that path exactly (/old answers {api}/old), instead of response; each entry has response's defaults. A Location it sends gets the request's query appended unless it has ${defaults.cellParam}, so a redirect's next hop is the same cell's.`,
  },
  url: {
    type: 'string',
    description:
      'A server you run yourself, on this machine: http://127.0.0.1:PORT, http://[::1]:PORT or http://localhost:PORT, with an optional base path that {api} points at. The lab relays to it byte for byte through its recorder instead of starting a stack; policy, response, responses and stack or proxy code do not apply to it.',
  },
};
const PROXY_FIELDS: Record<string, JsonSchema> = {
  policyAt: {
    enum: ['app', 'proxy', 'both'],
    description: 'Behind a proxy: apply the policy at the app (default), at the proxy, or at both (two layers that each add CORS headers).',
  },
  upstream: {
    enum: ['up', 'down'],
    description: 'Behind a proxy: `down` leaves nothing listening behind it, so the proxy itself answers (nginx 502, Apache 503).',
  },
};

/** Definitions every scenario uses, after `server`. */
const PROBES: Record<string, JsonSchema> = {
  fetch: {
    type: 'object',
    additionalProperties: false,
    required: ['url'],
    properties: {
      url: {
        type: 'string',
        pattern: LAB_URL,
        description: "Starts with {api}, {apiOrigin}, {app}, {evil} or a declared origin's {name}: probes only ever contact the lab's own origins.",
      },
      method: { $ref: '#/definitions/method', description: 'HTTP method (default GET).' },
      headers: {
        description: 'Request headers the page sets: a mapping, or a list of [name, value] pairs the page appends in order (Headers.append), so that a name given twice is sent as the browser combines it.',
        // if/then/else rather than oneOf, so that a bad name or value is reported at its own field.
        if: { type: 'array' },
        then: { $ref: '#/definitions/headerPairs' },
        else: { $ref: '#/definitions/headers' },
      },
      body: { $ref: '#/definitions/body', description: 'Request body (not with GET or HEAD).' },
      mode: { enum: ['cors', 'no-cors', 'same-origin'], description: 'Request mode (default cors).' },
      credentials: {
        enum: ['omit', 'same-origin', 'include'],
        description: 'Credentials mode (default same-origin, which sends no cookies cross-origin); include sends cookies.',
      },
    },
  },
  expect: {
    type: 'object',
    additionalProperties: false,
    minProperties: 1,
    properties: {
      preflight: { type: 'boolean', description: 'A CORS preflight crossed the wire.' },
      reachedHandler: { type: 'boolean', description: "The actual request reached the app's handler." },
      result: { enum: ['allowed', 'blocked', 'opaque'], description: 'What JavaScript got.' },
      status: {
        type: 'integer',
        minimum: 100,
        maximum: 599,
        description: 'The status JavaScript read (only with result: allowed).',
      },
      readable: {
        type: 'array',
        items: { $ref: '#/definitions/headerName' },
        description: 'Response headers JavaScript must be able to read.',
      },
      unreadable: {
        type: 'array',
        items: { $ref: '#/definitions/headerName' },
        description: 'Response headers the server sends that JavaScript must not be able to read.',
      },
      bodyContains: { type: 'string', description: 'A substring the body JavaScript read must contain.' },
      cookiesSent: {
        type: 'array',
        items: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
        description: 'Exactly the scenario cookies the actual request carried (by name).',
      },
      preflights: {
        type: 'integer',
        minimum: 0,
        maximum: 10,
        description: 'How many preflights crossed the wire for the probe (with `again`, both requests together).',
      },
      sent: {
        description: "What the browser sent, hop by hop (preflight, actual), as the recorder saw it; or false: the browser refused the request before sending anything (fetch() threw a TypeError and nothing reached the wire), a blocked result proven by evidence.",
        // if/then/else rather than oneOf, so that a mistake inside the mapping is reported at its own field.
        if: { type: 'boolean' },
        then: { const: false, description: 'false says nothing was sent; to say what was sent, give a mapping with preflight and actual' },
        else: { $ref: '#/definitions/sent' },
      },
      answered: {
        $ref: '#/definitions/answered',
        description: 'What the server answered on the wire, hop by hop, as the recorder kept it: what the page may never see, such as a status the browser hides or a header value with its whitespace.',
      },
    },
  },
  answered: {
    type: 'object',
    additionalProperties: false,
    minProperties: 1,
    properties: {
      preflight: { $ref: '#/definitions/wireAnswer', description: 'The answer to the preflight.' },
      actual: { $ref: '#/definitions/wireAnswer', description: 'The answer to the request itself (with `again`: to the second one).' },
    },
  },
  wireAnswer: {
    type: 'object',
    additionalProperties: false,
    minProperties: 1,
    properties: {
      status: { type: 'integer', minimum: 100, maximum: 599, description: 'The status on the wire.' },
      headers: { $ref: '#/definitions/wireHeaders', description: 'Headers of the answer, values exactly as sent (surrounding whitespace included).' },
      bodyContains: { type: 'string', minLength: 1, description: 'A substring of the body as it crossed the wire.' },
    },
  },
  sent: {
    type: 'object',
    additionalProperties: false,
    minProperties: 1,
    description: 'What the browser sent on each hop. Placeholders ({app}, {apiOrigin}, ...) expand as elsewhere.',
    properties: {
      preflight: { $ref: '#/definitions/preflightSent', description: 'The CORS preflight (OPTIONS with Access-Control-Request-Method).' },
      actual: { $ref: '#/definitions/actualSent', description: 'The request itself (with `again`: the second one).' },
    },
  },
  preflightSent: {
    type: 'object',
    additionalProperties: false,
    minProperties: 1,
    properties: {
      method: { $ref: '#/definitions/method', description: 'The method on the request line (always OPTIONS for a preflight).' },
      origin: { $ref: '#/definitions/sentOrigin', description: 'The Origin header of the preflight, or false for none.' },
      requestMethod: { $ref: '#/definitions/method', description: 'Access-Control-Request-Method, exactly (methods are case-sensitive).' },
      requestHeaders: {
        description: 'Access-Control-Request-Headers exactly as the browser wrote it: lowercase, sorted, comma-separated, no spaces (e.g. content-type,x-a,x-b); false: the preflight carried none.',
        if: { type: 'boolean' },
        then: { const: false, description: 'false: the preflight carried no Access-Control-Request-Headers' },
        else: { $ref: '#/definitions/headerValue' },
      },
      headers: { $ref: '#/definitions/wireHeaders', description: 'Headers the preflight carried or did not carry, and their values.' },
    },
  },
  actualSent: {
    type: 'object',
    additionalProperties: false,
    minProperties: 1,
    properties: {
      method: { $ref: '#/definitions/method', description: 'The method on the request line, exactly (fetch() upper-cases only DELETE, GET, HEAD, OPTIONS, POST and PUT).' },
      origin: { $ref: '#/definitions/sentOrigin', description: 'The Origin header of the request, or false for none.' },
      headers: { $ref: '#/definitions/wireHeaders', description: 'Headers the request carried or did not carry (no-cors drops what is not safelisted), and their values.' },
      cookies: {
        type: 'array',
        items: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
        description: 'Exactly the scenario cookies the request carried (by name).',
      },
    },
  },
  sentOrigin: {
    description: 'The Origin header the browser sent, e.g. {app} or null (a sandboxed frame); false: the request carried no Origin header.',
    if: { type: 'boolean' },
    then: { const: false, description: 'false: no Origin header' },
    else: { $ref: '#/definitions/origin' },
  },
  wireHeaders: {
    type: 'object',
    additionalProperties: false,
    minProperties: 1,
    description: 'Headers on this hop, by name (case-insensitive).',
    properties: {
      present: { type: 'array', minItems: 1, items: { $ref: '#/definitions/headerName' }, description: 'Headers the message carried.' },
      absent: { type: 'array', minItems: 1, items: { $ref: '#/definitions/headerName' }, description: 'Headers it did not carry (for a request: the browser dropped them, or never adds them).' },
      values: {
        type: 'object',
        minProperties: 1,
        propertyNames: { $ref: '#/definitions/headerName' },
        additionalProperties: {
          if: { type: 'string' },
          then: { $ref: '#/definitions/headerValue' },
          else: {
            type: 'object',
            additionalProperties: false,
            required: ['matches'],
            properties: { matches: { type: 'string', minLength: 1, description: 'A regular expression (JavaScript syntax) the value must match; anchor it with ^ and $.' } },
          },
        },
        description: 'The value each header had on the wire, exactly as sent (several lines of one name read as one value, joined with ", "), or { matches: regex } for a value that differs every time (a multipart boundary).',
      },
    },
  },
  probe: {
    type: 'object',
    additionalProperties: false,
    required: ['fetch', 'expect'],
    properties: {
      name: { type: 'string', minLength: 1, description: 'A short name for the probe (default: method and URL).' },
      from: {
        ...PAGE_NAME,
        description: "The page that makes the request (default: app): app (same-site), evil (cross-site attacker), sandboxed (a sandboxed iframe in the attacker's page: Origin null), lookalike-suffix (app.example.localhost.evil.localhost, cross-site), lookalike-prefix (evilapp.example.localhost, same-site), or any name declared under origins.",
      },
      fetch: { $ref: '#/definitions/fetch', description: 'The fetch() call the page makes.' },
      expect: { $ref: '#/definitions/expect', description: 'What the probe is expected to do.' },
      expectFor: {
        type: 'array',
        description: 'Expectations that differ on some stacks or engines, merged over `expect`. Each needs a reason; an engine difference also needs a source (a spec issue or engine bug).',
        items: { $ref: '#/definitions/expectFor' },
      },
      deviations: {
        type: 'array',
        description: 'Where engines are known to differ from the Fetch standard on this probe, with the source that documents it. The report still flags the cell; this says the difference was investigated.',
        items: { $ref: '#/definitions/deviation' },
      },
      warmUp: {
        type: 'object',
        additionalProperties: false,
        required: ['from'],
        description: "Before the page's request, the harness sends the same URL once as a GET with this page's Origin, as another visitor's browser would have (to fill a proxy's cache). It is recorded on the wire as a setup exchange, never as the probe's own.",
        properties: {
          from: {
            ...PAGE_NAME,
            description: `Whose Origin the warm-up request carries: ${PAGE_ORIGINS.filter((o) => o !== 'sandboxed').join(', ')} or a name declared under origins.`,
          },
        },
      },
      again: {
        type: 'object',
        additionalProperties: false,
        required: ['afterMs'],
        description: "The page makes the request again, this long after the first settled, to the same URL with the same credentials mode and headers unless given here; JavaScript's result is the second answer and `preflights` counts both (the preflight cache).",
        properties: {
          afterMs: {
            type: 'integer',
            minimum: 0,
            maximum: 30000,
            description: 'Milliseconds between the first answer and the second request.',
          },
          url: {
            type: 'string',
            pattern: LAB_URL,
            description: "Another URL for the second request (default: the same URL). Starts with {api}, {apiOrigin} or another of the lab's origins.",
          },
          credentials: {
            enum: ['omit', 'same-origin', 'include'],
            description: "The second request's credentials mode (default: the first request's). The preflight cache keeps entries made without credentials apart from credentialed requests.",
          },
          headers: {
            $ref: '#/definitions/headers',
            description: "The second request's headers, instead of the first's ({} for none). A cached preflight covers only the headers its answer listed.",
          },
        },
      },
    },
  },
  expectFor: {
    type: 'object',
    additionalProperties: false,
    required: ['expect', 'why'],
    properties: {
      stack: {
        oneOf: [{ $ref: '#/definitions/stackName' }, { type: 'array', minItems: 1, items: { $ref: '#/definitions/stackName' } }],
        description: 'A stack or list of stacks this applies to.',
      },
      engine: {
        oneOf: [{ $ref: '#/definitions/engineName' }, { type: 'array', minItems: 1, items: { $ref: '#/definitions/engineName' } }],
        description: 'An engine or list of engines this applies to.',
      },
      expect: {
        $ref: '#/definitions/expect',
        description: "The fields that differ, merged over the probe's expect.",
      },
      why: { type: 'string', minLength: 1, description: 'Why this stack or engine behaves differently.' },
      source: {
        type: 'string',
        pattern: '^https?://[^\\s]+$',
        description: 'Where the difference is documented (required for engine differences).',
      },
    },
  },
};

/** Definitions every scenario uses, after the names. */
const COOKIES: Record<string, JsonSchema> = {
  cookie: {
    type: 'object',
    additionalProperties: false,
    required: ['name'],
    properties: {
      name: {
        type: 'string',
        pattern: '^[A-Za-z0-9_-]{1,64}$',
        description: 'Cookie name (letters, digits, _ and -).',
      },
      value: { type: 'string', pattern: '^[A-Za-z0-9_.-]{0,128}$', description: 'Cookie value (default: 1).' },
      sameSite: {
        enum: ['unset', 'Lax', 'Strict', 'None'],
        description: 'The SameSite attribute; unset leaves it out (browsers then apply their default).',
      },
      secure: {
        type: 'boolean',
        description: 'Add the Secure attribute (http://*.localhost counts as a secure context in Chromium and Firefox).',
      },
    },
  },
  deviation: {
    type: 'object',
    additionalProperties: false,
    required: ['why', 'source'],
    properties: {
      engine: {
        oneOf: [{ $ref: '#/definitions/engineName' }, { type: 'array', minItems: 1, items: { $ref: '#/definitions/engineName' } }],
        description: 'The engine or engines that deviate (default: every engine).',
      },
      why: {
        type: 'string',
        minLength: 1,
        description: 'What the engine does instead of what the standard says.',
      },
      source: {
        type: 'string',
        pattern: '^https?://[^\\s]+$',
        description: 'An engine bug, a standard issue or a vendor note that documents the deviation.',
      },
    },
  },
};

/** The definitions the common part gives; a stack's or a proxy's may not replace one. */
const COMMON_DEFINITIONS = new Set([...Object.keys(VALUES), 'server', ...Object.keys(PROBES), 'stackName', 'engineName', ...Object.keys(COOKIES), 'appStackName']);

/** The scenario schema for the app stacks and proxies in the catalogs now. */
export function scenarioSchema(): JsonSchema {
  const server: Record<string, JsonSchema> = { ...SERVER_FIELDS };
  const definitions: Record<string, JsonSchema> = {};
  const add = (name: string, part: SetupSchema) => {
    if (name in server) throw new Error(`the scenario schema would have \`server.${name}\` twice: an app stack and a proxy, or a field, have that name`);
    server[name] = part.property;
    for (const [key, definition] of Object.entries(part.definitions ?? {})) {
      const clash = COMMON_DEFINITIONS.has(key) || (key in definitions && JSON.stringify(definitions[key]) !== JSON.stringify(definition));
      if (clash) throw new Error(`${name} gives the scenario schema a definition \`${key}\` that is already defined otherwise`);
      definitions[key] = definition;
    }
  };
  for (const name of appStackNames()) add(name, stackDefinition(name).setupSchema);
  Object.assign(server, PROXY_FIELDS);
  for (const name of proxyNames()) add(name, proxyDefinition(name).setupSchema);
  return {
    ...TOP,
    definitions: {
      ...VALUES,
      server: { ...SERVER, properties: server },
      ...PROBES,
      stackName: { enum: stackNames(), ...STACK_NAME },
      // The engine catalog sits above this layer; tests/catalogs.test.ts checks that this is its list.
      engineName: { enum: ['chromium', 'firefox', 'webkit'] },
      ...COOKIES,
      appStackName: { enum: appStackNames() },
      ...definitions,
    },
  };
}

/** scenarios/schema.json as `npm run schema` writes it. */
export function schemaText(): string {
  return `${JSON.stringify(scenarioSchema(), null, 2)}\n`;
}
