import { AppError, ErrorCode } from './app-error.js';

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

/**
 * The check as a body-parser `verify` hook (Express's JSON parser), which runs on the raw bytes
 * before JSON.parse. Bodies in a charset other than UTF-8 are decoded first. The thrown error
 * carries `status: 400`, which body-parser keeps (it would say 403 otherwise) and Nest maps to
 * a 400; the per-surface body error handlers read it as the AppError it is.
 */
export function verifyJsonDepth(maxDepth: number = MAX_JSON_DEPTH): (req: unknown, res: unknown, body: Buffer, encoding: string | null) => void {
  return (_req, _res, body, encoding) => {
    if (!jsonDepthExceeds(decoded(body, encoding), maxDepth)) return;
    throw Object.assign(jsonTooDeep(maxDepth), { status: 400, type: 'entity.too.deep' });
  };
}

function decoded(body: Buffer, encoding: string | null): string | Uint8Array {
  if (!encoding || /^utf-?8$/i.test(encoding)) return body;
  try {
    return new TextDecoder(encoding).decode(body);
  } catch {
    // A charset TextDecoder does not know: body-parser refuses most; scan the bytes as they are.
    return body;
  }
}
