import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches } from 'class-validator';

export const GRANULARITIES = ['day', 'week', 'month', 'total'] as const;
export const EXPORT_FORMATS = ['json', 'csv'] as const;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** Query of GET /v1/ops/indicators (docs/service-indicators.md). */
export class IndicatorsQueryDto {
  @ApiPropertyOptional({ example: '79', description: '2-digit (2025) province code: that province and its communes' })
  @IsOptional()
  @IsString()
  @Matches(/^\d{2}$/, { message: 'province must be a 2-digit province code' })
  province?: string;

  @ApiPropertyOptional({ example: '26734', description: '5-digit (2025) commune code: that commune only' })
  @IsOptional()
  @IsString()
  @Matches(/^\d{5}$/, { message: 'commune must be a 5-digit commune code' })
  commune?: string;

  @ApiPropertyOptional({ example: '2026-11-09', format: 'date', description: 'First day (Vietnam calendar), default `to` minus 27 days' })
  @IsOptional()
  @IsString()
  @Matches(DAY, { message: 'from must be a date YYYY-MM-DD' })
  from?: string;

  @ApiPropertyOptional({ example: '2026-12-06', format: 'date', description: 'Last day, included (Vietnam calendar), default today' })
  @IsOptional()
  @IsString()
  @Matches(DAY, { message: 'to must be a date YYYY-MM-DD' })
  to?: string;

  @ApiPropertyOptional({ enum: GRANULARITIES, default: 'total', description: 'Series per day, week (from Monday), month, or none (total)' })
  @IsOptional()
  @IsIn(GRANULARITIES)
  granularity?: (typeof GRANULARITIES)[number];

  @ApiPropertyOptional({ enum: EXPORT_FORMATS, description: 'csv: UTF-8 CSV with the official names (also with `Accept: text/csv`); default json' })
  @IsOptional()
  @IsIn(EXPORT_FORMATS)
  format?: (typeof EXPORT_FORMATS)[number];
}
