import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDefined, IsIn, IsOptional, IsString, Matches, MaxLength, MinLength, ValidateBy, type ValidationOptions } from 'class-validator';
import { PURPOSE_PATTERN } from '@motlan/identifiers/subject-id.js';
import { REGISTRY_NAME } from '@motlan/procedure-catalog/purpose-catalog.js';
import { CORRECTION_STATES, type CorrectionState } from '@motlan/corrections/correction.js';
import type { JsonValue } from '@motlan/contracts/struct-codec.js';

const DATASET = /^[a-z][a-z0-9-]{0,39}$/;
const FIELD = /^[A-Za-z][A-Za-z0-9]{0,63}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** A value as a registry field holds it, written as JSON text of at most this many characters. */
const MAX_VALUE_JSON = 2000;

/** Any JSON value (null included) whose JSON text is at most MAX_VALUE_JSON characters; absence is IsDefined's to report. */
function IsBoundedJsonValue(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isBoundedJsonValue',
      validator: {
        validate: (value: unknown) => value === undefined || JSON.stringify(value).length <= MAX_VALUE_JSON,
        defaultMessage: (args) => `${args?.property ?? 'value'} must be a JSON value of at most ${MAX_VALUE_JSON} characters`,
      },
    },
    options,
  );
}

export class CorrectionFilingDto {
  @ApiProperty({ example: 'population' })
  @Matches(REGISTRY_NAME, { message: 'registry must be a registry name (lower-case words joined by dashes)' })
  registry!: string;

  @ApiProperty({ example: 'person' })
  @Matches(DATASET, { message: 'dataset must be a dataset name' })
  dataset!: string;

  @ApiProperty({ example: '001099012345', description: 'The record’s subject id, in the dataset’s key format' })
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  subjectId!: string;

  @ApiProperty({ example: 'fullName' })
  @Matches(FIELD, { message: 'field must be a field name' })
  field!: string;

  // No schema type: any JSON value (a string, a number, an address object, null).
  @ApiProperty({ description: 'The value the clerk saw: any JSON value, null included (e.g. "Nguyễn Văn Nam")' })
  @IsDefined({ message: 'valueSeen is required (null for a missing value)' })
  @IsBoundedJsonValue()
  valueSeen!: JsonValue;

  @ApiProperty({ description: 'The value the clerk proposes, with the evidence: any JSON value (e.g. "Nguyễn Văn Năm")' })
  @IsDefined({ message: 'valueProposed is required' })
  @IsBoundedJsonValue()
  valueProposed!: JsonValue;

  @ApiProperty({ example: 'HS-00004-2026-000123/GKS', description: 'Reference of the evidence document (e.g. a dossier component)' })
  @Matches(/^[\w.\-/:#]{1,200}$/, { message: 'evidenceRef must be 1-200 characters of letters, digits, . _ - / : #' })
  evidenceRef!: string;

  @ApiProperty({ example: 'officer-017' })
  @Matches(/^[\w.@:-]{1,64}$/, { message: 'officerId must be 1-64 characters of letters, digits, . _ - @ :' })
  officerId!: string;

  @ApiProperty({ example: '1.004222', description: 'The procedure the clerk worked under; it must read this field' })
  @Matches(PURPOSE_PATTERN, { message: 'purpose must be a procedure code of the form N.NNNNNN' })
  purpose!: string;
}

export class CorrectionIdParamDto {
  @ApiProperty({ example: '3f0c7c1e-0d3a-4f0e-9a51-1c2f0e6b8a10' })
  @Matches(UUID, { message: 'id must be a correction id (a UUID)' })
  id!: string;
}

export class CorrectionQueueQueryDto {
  @ApiProperty({ example: 'land', description: 'The registry whose queue is read' })
  @Matches(REGISTRY_NAME, { message: 'registry must be a registry name' })
  registry!: string;

  @ApiPropertyOptional({ enum: CORRECTION_STATES, description: 'Only corrections in this state; default: open and accepted (still to decide or apply)' })
  @IsOptional()
  @IsIn(CORRECTION_STATES, { message: 'state must be open, accepted, rejected or applied' })
  state?: CorrectionState;
}

export class CorrectionDecisionDto {
  @ApiProperty({ enum: ['accepted', 'rejected', 'applied'], description: 'applied straight from open means accepted and applied at once' })
  @IsIn(['accepted', 'rejected', 'applied'], { message: 'state must be accepted, rejected or applied' })
  state!: 'accepted' | 'rejected' | 'applied';

  @ApiPropertyOptional({ example: 'the birth certificate shows Năm', description: 'Required when rejecting' })
  @IsOptional()
  @IsString()
  @MinLength(3)
  @MaxLength(500)
  reason?: string;

  @ApiPropertyOptional({ example: '8', description: 'Required when applied: the record version that holds the new value' })
  @IsOptional()
  @Matches(/^[1-9]\d{0,19}$/, { message: 'recordVersion must be a positive integer in decimal' })
  recordVersion?: string;
}
