import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches } from 'class-validator';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** What differs in the documentation of the common members between the ops reports. */
export interface ScopedWindowQueryDocs {
  province: string;
  commune: string;
  fromExample: string;
  /** The default window's length (`from` defaults to `to` minus this less one). */
  defaultDays: number;
}

/**
 * The base of an ops report's query (the service indicators, the data-quality figures): the scope
 * (`province`, `commune`) and the window (`from`, `to`). A factory so that each report keeps its
 * own OpenAPI texts; the class-validator decorators are inherited by the DTO that extends it.
 */
export function ScopedWindowQueryDto(docs: ScopedWindowQueryDocs) {
  class ScopedWindowQuery {
    @ApiPropertyOptional({ example: '79', description: `2-digit (2025) province code: ${docs.province}` })
    @IsOptional()
    @IsString()
    @Matches(/^\d{2}$/, { message: 'province must be a 2-digit province code' })
    province?: string;

    @ApiPropertyOptional({ example: '26734', description: `5-digit (2025) commune code: ${docs.commune}` })
    @IsOptional()
    @IsString()
    @Matches(/^\d{5}$/, { message: 'commune must be a 5-digit commune code' })
    commune?: string;

    @ApiPropertyOptional({
      example: docs.fromExample,
      format: 'date',
      description: `First day (Vietnam calendar), default \`to\` minus ${docs.defaultDays - 1} days`,
    })
    @IsOptional()
    @IsString()
    @Matches(DAY, { message: 'from must be a date YYYY-MM-DD' })
    from?: string;

    @ApiPropertyOptional({ example: '2026-12-06', format: 'date', description: 'Last day, included (Vietnam calendar), default today' })
    @IsOptional()
    @IsString()
    @Matches(DAY, { message: 'to must be a date YYYY-MM-DD' })
    to?: string;
  }
  return ScopedWindowQuery;
}
