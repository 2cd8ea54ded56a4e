import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { ScopedWindowQueryDto } from '../service-indicators/scoped-window-query.dto.js';
import { DATA_QUALITY_WINDOW_DAYS } from './data-quality.service.js';

/** Query of GET /v1/ops/data-quality (docs/data-quality.md). */
export class DataQualityQueryDto extends ScopedWindowQueryDto({
  province: 'reads by that province communes',
  commune: 'reads by that commune only',
  fromExample: '2026-11-30',
  defaultDays: DATA_QUALITY_WINDOW_DAYS,
}) {
  @ApiPropertyOptional({ enum: ['json', 'csv'], description: 'csv: UTF-8 CSV (also with `Accept: text/csv`); default json' })
  @IsOptional()
  @IsIn(['json', 'csv'])
  format?: 'json' | 'csv';
}
