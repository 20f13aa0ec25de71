import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { BASIC_SECURITY, BEARER_SECURITY } from '#app/access';
import { OMFLOW_SECURITY_CODE } from '#app/omflow';

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
        'surfaces answer in their own envelopes, as their contracts say.',
      ].join('\n'),
    )
    .setVersion('1.0')
    .addBasicAuth({ type: 'http', scheme: 'basic', description: 'Client id and secret (OMFLOW, security-code requests).' }, BASIC_SECURITY)
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'A client secret with the needed scope.' }, BEARER_SECURITY)
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
  return SwaggerModule.createDocument(app, config);
}
