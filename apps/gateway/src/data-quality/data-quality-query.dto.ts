import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches } from 'class-validator';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** Query of GET /v1/ops/data-quality (docs/data-quality.md). */
export class DataQualityQueryDto {
  @ApiPropertyOptional({ example: '79', description: '2-digit (2025) province code: reads by that province communes' })
  @IsOptional()
  @IsString()
  @Matches(/^\d{2}$/, { message: 'province must be a 2-digit province code' })
  province?: string;

  @ApiPropertyOptional({ example: '26734', description: '5-digit (2025) commune code: reads by that commune only' })
  @IsOptional()
  @IsString()
  @Matches(/^\d{5}$/, { message: 'commune must be a 5-digit commune code' })
  commune?: string;

  @ApiPropertyOptional({ example: '2026-11-30', format: 'date', description: 'First day (Vietnam calendar), default `to` minus 6 days' })
  @IsOptional()
  @IsString()
  @Matches(DAY, { message: 'from must be a date YYYY-MM-DD' })
  from?: string;

  @ApiPropertyOptional({ example: '2026-12-06', format: 'date', description: 'Last day, included (Vietnam calendar), default today' })
  @IsOptional()
  @IsString()
  @Matches(DAY, { message: 'to must be a date YYYY-MM-DD' })
  to?: string;

  @ApiPropertyOptional({ enum: ['json', 'csv'], description: 'csv: UTF-8 CSV (also with `Accept: text/csv`); default json' })
  @IsOptional()
  @IsIn(['json', 'csv'])
  format?: 'json' | 'csv';
}
