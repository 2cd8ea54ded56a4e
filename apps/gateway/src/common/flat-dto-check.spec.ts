import { IsInt, IsOptional, IsString, Matches, MaxLength, validateSync } from 'class-validator';
import { LookupHeadersDto, SingleLookupRequestDto } from '../lookup/lookup-request.dto.js';
import { compileFlatDtoCheck } from './flat-dto-check.js';

class WithUnsupportedRule {
  @IsInt()
  count!: number;
}

class Small {
  @Matches(/^[a-z]+$/)
  name!: string;

  @IsOptional()
  @IsString()
  @MaxLength(3)
  note?: string;
}

const classValidatorAccepts = (dto: new () => object, plain: Record<string, unknown>) =>
  validateSync(Object.assign(new dto(), plain), { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true }).length === 0;

describe('compileFlatDtoCheck', () => {
  it('gives no compiled check for a DTO with rules it does not know', () => {
    expect(compileFlatDtoCheck(WithUnsupportedRule)).toBeUndefined();
  });

  it('applies Matches, IsOptional, IsString, MaxLength and the whitelist', () => {
    const check = compileFlatDtoCheck(Small)!;
    expect(check({ name: 'abc' })).toBe(true);
    expect(check({ name: 'abc', note: 'xyz' })).toBe(true);
    expect(check({ name: 'ABC' })).toBe(false);
    expect(check({ name: 'abc', note: 'long' })).toBe(false);
    expect(check({ name: 'abc', extra: '1' })).toBe(false);
    expect(check({})).toBe(false);
  });

  it('never accepts what class-validator refuses (lookup DTOs, many generated inputs)', () => {
    const check = compileFlatDtoCheck(SingleLookupRequestDto)!;
    const headersCheck = compileFlatDtoCheck(LookupHeadersDto)!;
    expect(check).toBeDefined();
    const valid: Record<string, string[]> = {
      purpose: ['1.004222', '2.000001'],
      officerId: ['officer-001', 'a@b.c'],
      dossierId: ['H01.2026-000123', 'd/1'],
      requestId: ['r-1'],
      registry: ['population', 'civil-status'],
      dataset: ['person', 'household'],
      subjectId: ['001099012345', 'x'.repeat(64)],
      fields: ['fullName,dateOfBirth', 'sex'],
    };
    const invalid = ['', 'Population', '1.00422', 'x'.repeat(65), '😀'.repeat(40), 'a;b', ' ', 'a\nb', 'ô'];
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const pick = <T>(list: T[]) => list[Math.floor(random() * list.length)];
    let accepted = 0;
    for (let i = 0; i < 3000; i++) {
      const plain: Record<string, unknown> = {};
      for (const [key, good] of Object.entries(valid)) {
        const roll = random();
        if (roll < 0.85) plain[key] = pick(good);
        else if (roll < 0.97) plain[key] = pick(invalid);
      }
      if (random() < 0.05) plain.unexpected = 'x';
      for (const [dto, compiled] of [
        [SingleLookupRequestDto, check],
        [LookupHeadersDto, headersCheck],
      ] as const) {
        if (compiled(plain)) {
          accepted++;
          expect({ plain, classValidator: classValidatorAccepts(dto, plain) }).toEqual({ plain, classValidator: true });
        }
      }
    }
    expect(accepted).toBeGreaterThan(100);
  });
});
