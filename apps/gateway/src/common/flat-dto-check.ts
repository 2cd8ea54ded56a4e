import { getMetadataStorage, ValidationTypes } from 'class-validator';

/** A fast yes/no check of a plain object against a DTO's class-validator rules. */
export type FlatDtoCheck = (plain: Record<string, unknown>) => boolean;

type Rule = (value: unknown) => boolean;

/**
 * Compiles the class-validator metadata of a flat, string-only DTO (IsOptional, IsString, Matches,
 * MaxLength) into a plain function, for the lookup hot path where class-validator's generic
 * machinery costs more than the lookup itself. The DTO's decorators stay the only statement of
 * the rules. The check is never more lenient than class-validator (e.g. MaxLength counts UTF-16
 * units, class-validator counts characters), so "true" means class-validator would accept too;
 * "false" means: ask class-validator, which also words the errors. A DTO using any other rule gets
 * no compiled check (undefined): callers then always use class-validator.
 */
export function compileFlatDtoCheck(dto: new () => object): FlatDtoCheck | undefined {
  const metadatas = getMetadataStorage().getTargetValidationMetadatas(dto, '', true, false);
  const properties = new Map<string, { optional: boolean; rules: Rule[] }>();
  for (const meta of metadatas) {
    const property = properties.get(meta.propertyName) ?? { optional: false, rules: [] };
    properties.set(meta.propertyName, property);
    if (meta.each || meta.groups?.length || meta.validateIf) return undefined;
    if (meta.type === ValidationTypes.CONDITIONAL_VALIDATION && meta.name === 'isOptional') {
      property.optional = true;
      continue;
    }
    if (meta.type !== ValidationTypes.CUSTOM_VALIDATION) return undefined;
    const rule = compileRule(meta.name, meta.constraints);
    if (!rule) return undefined;
    property.rules.push(rule);
  }
  const compiled = [...properties.entries()].map(([name, p]) => ({ name, ...p }));
  const known = new Set(properties.keys());
  return (plain) => {
    for (const key in plain) if (!known.has(key)) return false; // forbidNonWhitelisted
    for (const { name, optional, rules } of compiled) {
      const value = plain[name];
      if (optional && (value === undefined || value === null)) continue;
      for (const rule of rules) if (!rule(value)) return false;
    }
    return true;
  };
}

function compileRule(name: string | undefined, constraints: unknown[] | undefined): Rule | undefined {
  switch (name) {
    case 'isString':
      return (value) => typeof value === 'string';
    case 'matches': {
      const [pattern, modifiers] = constraints ?? [];
      const regex =
        pattern instanceof RegExp ? pattern : typeof pattern === 'string' ? new RegExp(pattern, typeof modifiers === 'string' ? modifiers : '') : undefined;
      if (!regex || regex.global || regex.sticky) return undefined; // stateful regexes: leave to class-validator
      return (value) => typeof value === 'string' && regex.test(value);
    }
    case 'maxLength': {
      const [max] = constraints ?? [];
      if (typeof max !== 'number') return undefined;
      return (value) => typeof value === 'string' && value.length <= max;
    }
    default:
      return undefined;
  }
}
