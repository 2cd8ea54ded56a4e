import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { ErrorCodes, InvalidRequestError, type InvalidParam } from '@motlan/errors/domain-error.js';

/** Flattens class-validator errors to `{ name: "items.3.subjectId", reason }` entries. */
export function invalidParams(errors: ValidationError[], prefix = ''): InvalidParam[] {
  const result: InvalidParam[] = [];
  for (const error of errors) {
    const name = prefix ? `${prefix}.${error.property}` : error.property;
    for (const reason of Object.values(error.constraints ?? {})) result.push({ name, reason });
    if (error.children?.length) result.push(...invalidParams(error.children, name));
  }
  return result;
}

/** One 400 for any DTO that fails validation, naming every offending parameter. */
export function validationFailure(errors: ValidationError[]): InvalidRequestError {
  const params = invalidParams(errors);
  // A malformed purpose has its own code: clients branch on it (docs: "Errors").
  const code = params.some((p) => p.name === 'purpose') ? ErrorCodes.invalidPurpose : ErrorCodes.validation;
  const detail = params.map((p) => `${p.name}: ${p.reason}`).join('; ') || 'request failed validation';
  return new InvalidRequestError(code, detail.length > 500 ? detail.slice(0, 500) + '…' : detail, params.slice(0, 50));
}

export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    validateCustomDecorators: true,
    stopAtFirstError: false,
    exceptionFactory: validationFailure,
  });
}
