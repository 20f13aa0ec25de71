import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, getSchemaPath, type OpenAPIObject, type OperationObject, type ResponseObject, SwaggerModule } from '@nestjs/swagger';
import { BASIC_SECURITY, BEARER_SECURITY, ErrorBodyDto, MAX_JSON_DEPTH } from '#app/common';
import { PROXY_PATHS } from '#app/directory-proxy';
import { CUSTOM_HR_PATHS, OMFLOW_SECURITY_CODE, QUERY_PATHS } from '#app/omflow';
import { documentLiveness } from './health/liveness.js';
import { productVersion } from './package.js';

/** The OpenAPI document of every endpoint of the bridge. */
export function buildOpenApi(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('OMFLOW HR Bridge')
    .setDescription(
      [
        'The Custom HR intermediary OMFLOW calls for `/sync` and `/authenticate`, an OMFLOW-compatible user query API, ',
        "an audited proxy of the WorkPlus employee API, and the bridge's own admin and audit API under `/api/v1`.",
        '',
        'Errors of the bridge\'s own API are `{"error": {"code", "message", "fields"?, "requestId"}}`; the OMFLOW and WorkPlus ',
        'surfaces answer in their own envelopes, as their contracts say. Every operation documents the statuses it answers; ',
        'beyond them, any operation may answer 500 (an unexpected failure, details in the log under the request id) or 503 ',
        '(the database or the audit trail is unavailable, so nothing was done), in the error shape of its surface.',
        '',
        `Request bodies are JSON, read for every method but GET and HEAD, of at most BODY_LIMIT bytes and ${MAX_JSON_DEPTH} levels of nesting.`,
      ].join('\n'),
    )
    .setVersion(productVersion())
    .addBasicAuth({ type: 'http', scheme: 'basic', description: 'Client id and secret (OMFLOW, security-code requests).' }, BASIC_SECURITY)
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        // Not a JWT (Nest's default): an opaque client secret, `hrb_` and 43 URL-safe characters.
        bearerFormat: 'opaque (hrb_…)',
        description: 'A client secret with the needed scope: an opaque `hrb_…` token, not a JWT.',
      },
      BEARER_SECURITY,
    )
    .addApiKey(
      {
        type: 'apiKey',
        in: 'header',
        name: 'security',
        description:
          'OMFLOW security code from /accounts/api/security/get/, sent as the "security" field of the JSON body (OpenAPI cannot describe a credential in a body).',
      },
      OMFLOW_SECURITY_CODE,
    )
    .build();
  return withRequestErrors(documentLiveness(SwaggerModule.createDocument(app, config)));
}

/** Surfaces that answer every error in their own contract and document it on their routes. */
const OWN_CONTRACT_PATHS = [...CUSTOM_HR_PATHS, ...QUERY_PATHS, ...PROXY_PATHS];

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

const INVALID_REQUEST =
  'Invalid request: `VALIDATION.FAILED` (with `fields`) for a path or query parameter or a body that fails validation, ' +
  '`REQUEST.INVALID` for a path parameter that is not valid percent-encoding or a body that is not JSON, ' +
  `has an unsupported charset or nests more than ${MAX_JSON_DEPTH} levels deep.`;

/**
 * The errors of the bridge's own API that happen before any route: the body parser (malformed,
 * too deep or too large bodies; every method but GET and HEAD has its body read) and the
 * router (a path parameter that is not valid percent-encoding). They apply to every operation
 * alike, so they are added here rather than on each route; and an error is JSON whatever the
 * operation produces on success (`@ApiProduces` sets every response's media type).
 */
function withRequestErrors(document: OpenAPIObject): OpenAPIObject {
  const error = (description: string): ResponseObject => ({ description, content: { 'application/json': { schema: { $ref: getSchemaPath(ErrorBodyDto) } } } });
  for (const [path, item] of Object.entries(document.paths)) {
    if (OWN_CONTRACT_PATHS.some((prefix) => path === prefix || path.startsWith(`${prefix}/`))) continue;
    for (const method of METHODS) {
      const op: OperationObject | undefined = item[method];
      if (!op) continue;
      const readsBody = method !== 'get' && method !== 'head';
      if (readsBody || op.parameters?.length) op.responses['400'] ??= error(INVALID_REQUEST);
      if (readsBody) op.responses['413'] ??= error('The body is larger than BODY_LIMIT (`REQUEST.TOO_LARGE`).');
      for (const [status, response] of Object.entries(op.responses)) {
        if (Number(status) >= 400 && response && !('$ref' in response)) response.content = error('').content;
      }
    }
  }
  return document;
}
