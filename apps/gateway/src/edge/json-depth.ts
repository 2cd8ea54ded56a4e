import { ErrorCodes, InvalidRequestError } from '@motlan/errors/domain-error.js';

/**
 * Deepest nesting of objects and arrays a JSON body may have. No request of the API nests deeper
 * than 4 levels (a batch: body, items, item, fields); 32 leaves room for any future body while a
 * validator (class-transformer recurses once per level) stays far from the stack limit.
 */
export const MAX_JSON_DEPTH = 32;

const OPEN_OBJECT = 0x7b; // {
const OPEN_ARRAY = 0x5b; // [
const CLOSE_OBJECT = 0x7d; // }
const CLOSE_ARRAY = 0x5d; // ]
const QUOTE = 0x22; // "
const BACKSLASH = 0x5c; // \

/**
 * True when the JSON text nests objects and arrays deeper than `maxDepth`. One pass over the
 * bytes, no recursion and no allocation, before anything is parsed: a body of 20,000 nested
 * objects costs a scan, not a stack overflow in the validator. UTF-8 is scanned as bytes: the
 * bytes of a multi-byte character are all >= 0x80, so they never look like brackets or quotes.
 * Brackets inside strings are not counted. Malformed text is left to the JSON parser.
 */
export function jsonTooDeep(text: Uint8Array, maxDepth = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const byte = text[i];
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) {
      inString = true;
    } else if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) {
      if (++depth > maxDepth) return true;
    } else if (byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) {
      depth--;
    }
  }
  return false;
}

/** 400 `body_too_deep`. */
export class BodyTooDeepError extends InvalidRequestError {
  constructor(maxDepth = MAX_JSON_DEPTH) {
    super(ErrorCodes.bodyTooDeep, `the JSON body nests objects or arrays deeper than ${maxDepth} levels`);
  }
}

type ParserDone = (error: Error | null, body?: unknown) => void;
type JsonParser<R> = (request: R, body: Buffer, done: ParserDone) => void;

/**
 * The application/json body parser: refuses a body nested deeper than {@link MAX_JSON_DEPTH}
 * (400 `body_too_deep`), then hands it to `parse` (Fastify's own parser, which keeps its
 * prototype-poisoning checks).
 */
export function depthCheckingJsonParser<R>(parse: (request: R, body: string, done: ParserDone) => void, maxDepth = MAX_JSON_DEPTH): JsonParser<R> {
  return (request, body, done) => {
    if (jsonTooDeep(body, maxDepth)) {
      done(new BodyTooDeepError(maxDepth));
      return;
    }
    parse(request, body.toString('utf8'), done);
  };
}
