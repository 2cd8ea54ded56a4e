import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { validateSync } from 'class-validator';
import { ErrorCodes, InvalidRequestError, type InvalidParam } from '@motlan/errors/domain-error.js';
import { compileFlatDtoCheck, type FlatDtoCheck } from './flat-dto-check.js';

/** Compiled checks per DTO class; null: the DTO uses rules the compiler does not know. */
const compiledChecks = new WeakMap<object, FlatDtoCheck | null>();

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

/**
 * Validates a flat DTO assembled by a custom parameter decorator (headers, path and query of the
 * lookup hot path): the same class-validator rules and whitelist as the ValidationPipe, without
 * its class-transformer round trip, which these string-only DTOs do not need. Valid requests take
 * a check compiled from the same decorators; anything it does not accept goes through
 * class-validator, which decides and words the errors.
 */
export function validateFlatDto<T extends object>(dto: new () => T, plain: Record<string, unknown>): T {
  let check = compiledChecks.get(dto);
  if (check === undefined) {
    check = compileFlatDtoCheck(dto) ?? null;
    compiledChecks.set(dto, check);
  }
  const instance = Object.assign(new dto(), plain);
  if (check?.(plain)) return instance;
  const errors = validateSync(instance, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true });
  if (errors.length > 0) throw validationFailure(errors);
  return instance;
}

export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    // Custom parameter decorators validate their own DTOs (validateFlatDto).
    validateCustomDecorators: false,
    stopAtFirstError: false,
    exceptionFactory: validationFailure,
  });
}
