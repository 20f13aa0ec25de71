import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { AppError, ErrorCode, type FieldProblem } from './app-error.js';

/** Flattens class-validator's tree into `field: problems` pairs with dotted/indexed paths. */
export function flattenValidationErrors(errors: ValidationError[], prefix = ''): FieldProblem[] {
  const out: FieldProblem[] = [];
  for (const error of errors) {
    const field = /^\d+$/.test(error.property) ? `${prefix}[${error.property}]` : prefix ? `${prefix}.${error.property}` : error.property;
    if (error.constraints) out.push({ field, problems: Object.values(error.constraints) });
    if (error.children?.length) out.push(...flattenValidationErrors(error.children, field));
  }
  return out;
}

export function validationFailed(fields: FieldProblem[]): AppError {
  const summary = fields
    .slice(0, 5)
    .map((f) => f.problems[0])
    .join('; ');
  return new AppError(ErrorCode.ValidationFailed, `Invalid request: ${summary}${fields.length > 5 ? '; …' : ''}`, { fields });
}

/** The one ValidationPipe: unknown fields rejected, payloads transformed to DTO instances. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => validationFailed(flattenValidationErrors(errors)),
  });
}
