import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsOptional, IsString, Matches, MaxLength, ValidateNested } from 'class-validator';
import { ProblemDto } from '../common/problem.dto.js';

export const NAME = /^[a-z][a-z0-9-]{0,39}$/;
const FIELD_NAME = /^[A-Za-z][A-Za-z0-9]{0,63}$/;

export class BatchLookupItemDto {
  @ApiProperty({ example: 'population' })
  @Matches(NAME, { message: 'registry must be a lower-case name' })
  registry!: string;

  @ApiProperty({ example: 'person' })
  @Matches(NAME, { message: 'dataset must be a lower-case name' })
  dataset!: string;

  @ApiProperty({ example: '001099012345' })
  @IsString()
  @MaxLength(64)
  subjectId!: string;

  @ApiPropertyOptional({ type: [String], example: ['fullName', 'dateOfBirth'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @Matches(FIELD_NAME, { each: true, message: 'each field must be a field name' })
  fields?: string[];
}

export class BatchLookupRequestDto {
  @ApiProperty({ type: [BatchLookupItemDto], minItems: 1, maxItems: 50 })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50, { message: 'a batch holds at most 50 items' })
  @ValidateNested({ each: true })
  @Type(() => BatchLookupItemDto)
  items!: BatchLookupItemDto[];
}

export class LookupMetaDto {
  @ApiProperty({ example: '3', description: 'Registry record version' })
  version!: string;
  @ApiProperty({ example: '2026-01-05T08:00:00.000Z', description: 'When the registry last changed the record' })
  asOf!: string;
  @ApiProperty({ example: '2026-11-23T01:00:00.000Z', description: 'When the gateway fetched it from the registry' })
  fetchedAt!: string;
  @ApiProperty({ enum: ['HIT', 'MISS', 'STALE'] })
  cache!: 'HIT' | 'MISS' | 'STALE';
  @ApiProperty({ example: 3600 })
  maxAgeSeconds!: number;
  @ApiProperty({ example: 12, description: 'Seconds since the gateway fetched the record' })
  ageSeconds!: number;
}

export class LookupAnswerDto {
  @ApiProperty({ example: 'population' })
  registry!: string;
  @ApiProperty({ example: 'person' })
  dataset!: string;
  @ApiProperty({ example: '001099012345' })
  subjectId!: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The requested fields of the record' })
  data!: Record<string, unknown>;
  @ApiProperty({ type: LookupMetaDto })
  meta!: LookupMetaDto;
  @ApiProperty({ description: 'Compact JWS over {iss, iat, registry, dataset, subjectId, version, asOf, fields, data}; keys at /.well-known/jwks.json' })
  evidence!: string;
}

export class BatchItemResultDto {
  @ApiProperty({ example: 200 })
  status!: number;
  @ApiPropertyOptional({ type: LookupAnswerDto })
  answer?: LookupAnswerDto;
  @ApiPropertyOptional({ type: () => ProblemDto, description: 'The problem document of a failed item (as the single lookup would answer it)' })
  problem?: Record<string, unknown>;
}

export class BatchLookupResponseDto {
  @ApiProperty({ type: [BatchItemResultDto] })
  results!: BatchItemResultDto[];
}
