import type { CorsRequestInit } from '../model/index.ts';
import type { FetchBody, FetchSpec } from '../core/format.ts';

/** What the model reads of a body: whether there is one, and the Content-Type its kind brings. */
export function bodyForModel(body: FetchBody | undefined): Pick<CorsRequestInit, 'body' | 'bodyType'> {
  if (body === undefined) return {};
  if (typeof body === 'string') return { body };
  if ('urlSearchParams' in body) return { body: new URLSearchParams(body.urlSearchParams).toString(), bodyType: 'application/x-www-form-urlencoded;charset=UTF-8' };
  // The boundary is the browser's own choice; the model reads only the type's essence.
  if ('formData' in body) return { body: Object.keys(body.formData).join('&'), bodyType: 'multipart/form-data; boundary=corslab' };
  return { body: body.blob.text, bodyType: blobType(body.blob.type ?? '') };
}

/**
 * A Blob's type as the Blob constructor keeps it (https://w3c.github.io/FileAPI/#constructorBlob):
 * lower-cased, or empty when it holds a character outside U+0020 to U+007E. An empty type gives the body no Content-Type.
 */
function blobType(type: string): string | null {
  if (!/^[\x20-\x7e]*$/.test(type)) return null;
  return type === '' ? null : type.toLowerCase();
}

/** A scenario's fetch() call as the model takes it, from the page at `pageOrigin`. */
export function modelRequest(spec: FetchSpec, pageOrigin: string): CorsRequestInit {
  const { body, ...rest } = spec;
  return { ...rest, pageOrigin, ...bodyForModel(body) };
}
