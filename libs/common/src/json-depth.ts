import { AppError, ErrorCode } from './app-error.js';
import { asBodyError } from './body-error-renderers.js';

/**
 * Deepest nesting of arrays and objects a request body may have. No body of any contract
 * nests beyond a handful of levels; thousands of levels overflow the stack of the validators
 * (class-transformer and class-validator recurse) and a million cost a second of parsing.
 */
export const MAX_JSON_DEPTH = 64;

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Whether JSON text nests arrays and objects more than `maxDepth` levels deep (the body itself
 * is level 1). One pass over the raw text, outside strings only, stopping at the first level
 * too deep: it costs less than the parse it prevents. It does not validate: malformed text is
 * left to the parser. Works on UTF-8 bytes as they arrive (no byte of a multi-byte UTF-8
 * sequence is ASCII) or on decoded text.
 */
export function jsonDepthExceeds(text: string | Uint8Array, maxDepth: number = MAX_JSON_DEPTH): boolean {
  const bytes = typeof text !== 'string';
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = bytes ? text[i] : text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > maxDepth) return true;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
    }
  }
  return false;
}

/** The refusal of a body nested too deep: a bad request, answered by each surface in its own contract. */
export function jsonTooDeep(maxDepth: number = MAX_JSON_DEPTH): AppError {
  return new AppError(ErrorCode.BadRequest, `The request body nests arrays and objects more than ${maxDepth} levels deep.`);
}

/** Throws `jsonTooDeep()` for a body nested deeper than `maxDepth` (see jsonDepthExceeds). */
export function assertJsonDepth(text: string | Uint8Array, maxDepth: number = MAX_JSON_DEPTH): void {
  if (jsonDepthExceeds(text, maxDepth)) throw jsonTooDeep(maxDepth);
}

/** Charsets the JSON parser decodes; JSON is UTF-8 (RFC 8259), a few clients still label UTF-16 or UTF-32. */
const JSON_CHARSETS = /^utf-?(8|16(le|be)?|32(le|be)?)$/i;

/**
 * The bridge's JSON body parser (for Fastify's `application/json` content type): the nesting
 * depth is checked on the raw bytes before JSON.parse, bodies in UTF-16 or UTF-32 are decoded
 * first, and only an object or an array is accepted at the top (as Express's strict parser
 * did). An empty body reads as `{}`. Errors are marked as body errors (asBodyError): each
 * surface answers them in its own contract.
 */
export function parseJsonBody(body: Buffer, charset: string | undefined, maxDepth: number = MAX_JSON_DEPTH): unknown {
  if (charset && !JSON_CHARSETS.test(charset)) {
    throw asBodyError(new AppError(ErrorCode.BadRequest, `The request body is in the charset "${charset}"; JSON must be UTF-8.`));
  }
  const text = !charset || /^utf-?8$/i.test(charset) ? body : new TextDecoder(charset).decode(body);
  if (jsonDepthExceeds(text, maxDepth)) throw asBodyError(jsonTooDeep(maxDepth));
  const source = typeof text === 'string' ? text : text.toString('utf8');
  const first = /\S/.exec(source);
  if (!first) return {};
  try {
    if (first[0] !== '{' && first[0] !== '[') throw new SyntaxError(`Unexpected token ${JSON.stringify(first[0])} in JSON at position ${first.index}`);
    return JSON.parse(source);
  } catch (error) {
    throw asBodyError(new AppError(ErrorCode.BadRequest, `The request body is not valid JSON: ${(error as Error).message}`));
  }
}

/** The charset parameter of a Content-Type header, if any. */
export function charsetOf(contentType: string | undefined): string | undefined {
  return /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType ?? '')?.[1];
}
