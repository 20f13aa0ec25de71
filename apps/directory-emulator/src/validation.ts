import { ValidationPipe } from '@nestjs/common';
import { flattenValidationErrors } from '#app/common';
import { WorkPlusCode, WorkPlusError } from '#app/workplus';

/**
 * Validation as the directory does it: the documented fields are checked (required, types),
 * unknown fields are ignored (dropped). A failure is a 400 envelope naming each field.
 */
export function createEnvelopeValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: false,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => {
      const fields = flattenValidationErrors(errors);
      const summary = fields
        .slice(0, 5)
        .map((f) => `${f.field}: ${f.problems[0] ?? 'invalid'}`)
        .join('; ');
      return new WorkPlusError(WorkPlusCode.BadRequest, `invalid request: ${summary}${fields.length > 5 ? '; …' : ''}`, { fields });
    },
  });
}
