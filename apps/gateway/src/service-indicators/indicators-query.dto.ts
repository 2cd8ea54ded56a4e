import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { ScopedWindowQueryDto } from './scoped-window-query.dto.js';
import { DEFAULT_WINDOW_DAYS } from './service-indicators.service.js';

export const GRANULARITIES = ['day', 'week', 'month', 'total'] as const;
export const EXPORT_FORMATS = ['json', 'csv'] as const;

/** Query of GET /v1/ops/indicators (docs/service-indicators.md). */
export class IndicatorsQueryDto extends ScopedWindowQueryDto({
  province: 'that province and its communes',
  commune: 'that commune only',
  fromExample: '2026-11-09',
  defaultDays: DEFAULT_WINDOW_DAYS,
}) {
  @ApiPropertyOptional({ enum: GRANULARITIES, default: 'total', description: 'Series per day, week (from Monday), month, or none (total)' })
  @IsOptional()
  @IsIn(GRANULARITIES)
  granularity?: (typeof GRANULARITIES)[number];

  @ApiPropertyOptional({ enum: EXPORT_FORMATS, description: 'csv: UTF-8 CSV with the official names (also with `Accept: text/csv`); default json' })
  @IsOptional()
  @IsIn(EXPORT_FORMATS)
  format?: (typeof EXPORT_FORMATS)[number];
}
