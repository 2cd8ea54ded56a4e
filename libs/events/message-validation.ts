import { plainToInstance, type ClassConstructor } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';

export type ParsedMessage<T> = { ok: true; message: T } | { ok: false; reason: string };

/**
 * Parses one Kafka (or file-log) message value into its validated class: JSON, an object, and
 * every class-validator rule of `type`; unknown properties are refused unless allowed (CloudEvents
 * may carry extension attributes). Never throws: a bad message yields the reason it goes to a
 * dead-letter topic with (bounded, safe to log: values are not echoed).
 */
export function parseJsonMessage<T extends object>(
  type: ClassConstructor<T>,
  value: Buffer | string | null,
  options: { allowUnknownProperties?: boolean } = {},
): ParsedMessage<T> {
  if (value === null || value.length === 0) return { ok: false, reason: 'empty message value' };
  let json: unknown;
  try {
    json = JSON.parse(typeof value === 'string' ? value : value.toString('utf8'));
  } catch {
    return { ok: false, reason: 'value is not JSON' };
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return { ok: false, reason: 'value is not a JSON object' };
  const message = plainToInstance(type, json);
  const strict = !options.allowUnknownProperties;
  const errors = validateSync(message, { forbidUnknownValues: true, whitelist: strict, forbidNonWhitelisted: strict });
  if (errors.length > 0) return { ok: false, reason: `invalid ${type.name}: ${describeValidationErrors(errors).slice(0, 500)}` };
  return { ok: true, message };
}

/** "a.b: must be …; c: …" from class-validator's nested errors. */
export function describeValidationErrors(errors: ValidationError[], prefix = ''): string {
  return errors
    .map((e) => {
      const name = prefix ? `${prefix}.${e.property}` : e.property;
      const own = Object.values(e.constraints ?? {}).join(', ');
      const nested = e.children?.length ? describeValidationErrors(e.children, name) : '';
      return [own ? `${name}: ${own}` : '', nested].filter(Boolean).join('; ');
    })
    .join('; ');
}
