import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { WorkPlusCode, WorkPlusError } from '#app/workplus';

/** Large imports are a legitimate use of the directory. */
export const BODY_LIMIT = 50 * 1024 * 1024;

/**
 * The emulator's request bodies on Fastify, answering as it did on Express (body-parser's
 * `json({limit: '50mb'})`, strict): only `application/json` is parsed (GET and HEAD bodies never
 * are, as Fastify does); an empty body is `{}`; anything else (`text/plain`, forms, no type) leaves
 * the body undefined instead of Fastify's 415. The failures are the envelopes of before:
 * `the request body is not valid JSON: <the JSON.parse message>` (the top level must be an object
 * or an array), `request entity too large`, `unsupported charset "X"`, `unsupported content
 * encoding "x"` (gzip, deflate and br bodies are inflated), all HTTP 400 with status 400.
 */
export function installBodyParsing(fastify: FastifyInstance): void {
  fastify.removeAllContentTypeParsers();
  // Read here rather than with Fastify's `parseAs`: a failure answers after the whole body is
  // read (body-parser drained it), with the connection kept, where Fastify would close it.
  fastify.addContentTypeParser('application/json', (request, payload, done) => {
    readJson(request, payload).then(
      (body) => done(null, body),
      (error: unknown) => done(null, new BodyError(error instanceof WorkPlusError ? error : new WorkPlusError(WorkPlusCode.BadRequest, String(error)))),
    );
  });
  // Any other type: the body is read and dropped, as Express left it unparsed.
  fastify.addContentTypeParser('*', (_request, payload, done) => {
    payload.on('error', () => undefined);
    payload.on('end', () => done(null, undefined));
    payload.resume();
  });
  fastify.addHook('preValidation', (request, _reply, done) => {
    if (request.body instanceof BodyError) done(request.body.error);
    else done();
  });
}

/** A body that could not be read, answered by the `preValidation` hook (before any fault is drawn). */
class BodyError {
  constructor(readonly error: WorkPlusError) {}
}

async function readJson(request: FastifyRequest, payload: Readable): Promise<unknown> {
  let failure: WorkPlusError | undefined;
  let stream: Readable = payload;
  try {
    decodeCharset(request);
    if (Number(request.headers['content-length']) > BODY_LIMIT) throw tooLarge();
    stream = inflating(request, payload);
  } catch (error) {
    failure = error as WorkPlusError;
  }
  const chunks: Buffer[] = [];
  let received = 0;
  try {
    for await (const chunk of stream) {
      if (failure !== undefined) continue;
      received += (chunk as Buffer).length;
      if (received > BODY_LIMIT) failure = tooLarge();
      else chunks.push(chunk as Buffer);
    }
  } catch (error) {
    failure ??= new WorkPlusError(WorkPlusCode.BadRequest, (error as Error).message);
  }
  if (stream !== payload && !payload.readableEnded) {
    // The inflater failed before the end: the rest of the body is read off.
    payload.resume();
    await finished(payload).catch(() => undefined);
  }
  if (failure !== undefined) throw failure;
  return parseJson(decode(request, Buffer.concat(chunks)));
}

function tooLarge(): WorkPlusError {
  return new WorkPlusError(WorkPlusCode.BadRequest, 'request entity too large');
}

function inflating(request: FastifyRequest, payload: Readable): Readable {
  const encoding = String(request.headers['content-encoding'] ?? 'identity').toLowerCase();
  switch (encoding) {
    case 'identity':
      return payload;
    case 'gzip':
      return payload.pipe(createGunzip());
    case 'deflate':
      return payload.pipe(createInflate());
    case 'br':
      return payload.pipe(createBrotliDecompress());
  }
  throw new WorkPlusError(WorkPlusCode.BadRequest, `unsupported content encoding "${encoding}"`);
}

function decodeCharset(request: FastifyRequest): string {
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(request.headers['content-type'] ?? '')?.[1]?.toLowerCase() ?? 'utf-8';
  if (charset.slice(0, 4) !== 'utf-') throw new WorkPlusError(WorkPlusCode.BadRequest, `unsupported charset "${charset.toUpperCase()}"`);
  return charset;
}

function decode(request: FastifyRequest, body: Buffer): string {
  const charset = decodeCharset(request);
  if (charset === 'utf-8') return body.toString('utf8');
  try {
    return new TextDecoder(charset).decode(body);
  } catch {
    throw new WorkPlusError(WorkPlusCode.BadRequest, 'specified encoding unsupported');
  }
}

// eslint-disable-next-line no-control-regex -- the JSON whitespace characters, as body-parser matches them
const FIRST_NON_WHITESPACE = /^[\x20\x09\x0a\x0d]*([^\x20\x09\x0a\x0d]|$)/;

/** body-parser's strict JSON: `{}` for an empty body, an object or array at the top, JSON.parse's own messages. */
function parseJson(text: string): unknown {
  if (text.length === 0) return {};
  const first = FIRST_NON_WHITESPACE.exec(text)?.[1] || undefined;
  if (first !== '{' && first !== '[') {
    // The message JSON.parse gives for the first character, as body-parser words a strict violation.
    const index = first === undefined ? -1 : text.indexOf(first);
    const partial = index === -1 ? '' : text.substring(0, index) + '#'.repeat(text.length - index);
    throw notJson(jsonError(partial).replace(/#+/g, (p) => text.substring(index, index + p.length)));
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw notJson((error as Error).message);
  }
}

function jsonError(text: string): string {
  try {
    JSON.parse(text);
    return 'strict violation';
  } catch (error) {
    return (error as Error).message;
  }
}

function notJson(message: string): WorkPlusError {
  return new WorkPlusError(WorkPlusCode.BadRequest, `the request body is not valid JSON: ${message}`);
}
