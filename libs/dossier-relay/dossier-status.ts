import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsInt, IsOptional, IsString, IsUrl, Matches, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { PURPOSE_PATTERN } from '@motlan/identifiers/subject-id.js';
import { IsRfc3339DateTime } from './rfc3339-date-time.js';

/** TrangThaiHoSo of the national public-service portal (libs/vn-admin/data/SOURCE.md). */
export const DOSSIER_STATUSES: Readonly<Record<number, string>> = {
  1: 'new',
  2: 'received',
  3: 'not received',
  4: 'in process',
  5: 'supplement requested',
  6: 'financial obligation requested',
  7: 'withdrawn by citizen',
  8: 'processing stopped',
  9: 'processed',
  10: 'result returned',
};

export const DOSSIER_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$/;
export const COMMUNE_CODE = /^\d{5}$/;
/** A dossier component code (MaThanhPhanHoSo), as in reusedComponents. */
export const COMPONENT_CODE = /^[A-Za-z0-9._-]{1,32}$/;
export const DOSSIER_CHANNELS = ['online', 'counter', 'post'] as const;
export type DossierChannel = (typeof DOSSIER_CHANNELS)[number];
export const RESULT_FORMS = ['electronic', 'paper'] as const;
export type ResultForm = (typeof RESULT_FORMS)[number];

export class ResultDocumentDto {
  @ApiProperty({ example: 'KQ01', description: 'Document code (MaGiayTo)' })
  @IsString()
  @Matches(/^[A-Za-z0-9._-]{1,32}$/, { message: 'code must be 1-32 letters, digits, . _ -' })
  code!: string;

  @ApiProperty({ example: 'Giấy xác nhận thông tin về cư trú' })
  @IsString()
  @MaxLength(300)
  name!: string;

  @ApiPropertyOptional({ example: 'https://dichvucong.gov.vn/ket-qua/H01.01-241123-000123/KQ01' })
  @IsOptional()
  @IsUrl({ protocols: ['https'], require_protocol: true }, { message: 'url must be an https URL' })
  @MaxLength(2000)
  url?: string;
}

/**
 * A dossier status as a commune one-stop system reports it (the body of
 * PUT /v1/dossiers/{dossierId}/status), modelled on the portal's dossier record.
 */
export class DossierStatusFields {
  @ApiProperty({ example: '1.004222', description: 'Procedure code (MaTTHC), N.NNNNNN' })
  @Matches(PURPOSE_PATTERN, { message: 'procedureCode must be a procedure code of the form N.NNNNNN (e.g. 1.004222)' })
  procedureCode!: string;

  @ApiProperty({ example: '00004', description: '5-digit (2025) code of the commune that holds the dossier' })
  @Matches(COMMUNE_CODE, { message: 'communeCode must be a 5-digit commune code' })
  communeCode!: string;

  @ApiProperty({
    example: 2,
    minimum: 1,
    maximum: 10,
    description:
      'TrangThaiHoSo: 1 new, 2 received, 3 not received, 4 in process, 5 supplement requested, 6 financial obligation requested, 7 withdrawn, 8 stopped, 9 processed, 10 result returned',
  })
  @IsInt()
  @Min(1)
  @Max(10)
  status!: number;

  @ApiProperty({ enum: ['citizen', 'organization'] })
  @IsIn(['citizen', 'organization'])
  subjectType!: 'citizen' | 'organization';

  // RFC 3339 with an offset: a date without one is ambiguous across the gateway's and the commune's
  // clocks, and other ISO 8601 forms (week, ordinal, basic) cannot be carried to the portal.
  @ApiProperty({
    example: '2026-11-23T09:15:00+07:00',
    format: 'date-time',
    description: 'When the dossier was received (NgayTiepNhan), RFC 3339 date-time with offset',
  })
  @IsRfc3339DateTime()
  receivedAt!: string;

  @ApiPropertyOptional({ example: '2026-11-30T17:00:00+07:00', format: 'date-time', description: 'Due date (NgayHenTra), RFC 3339 date-time with offset' })
  @IsOptional()
  @IsRfc3339DateTime()
  dueAt?: string;

  @ApiProperty({ example: 1, description: 'Per-dossier sequence number of this status; a repeated one is accepted and has no further effect' })
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  sequence!: number;

  @ApiPropertyOptional({ type: [ResultDocumentDto], description: 'Electronic results (usually with status 10)' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => ResultDocumentDto)
  resultDocuments?: ResultDocumentDto[];

  // The four fields below feed the service indicators (docs/service-indicators.md). Optional: a
  // commune system that does not send them is still relayed; its dossiers count as "not known".
  @ApiPropertyOptional({ enum: DOSSIER_CHANNELS, description: 'How the application was filed: online, at the counter or by post' })
  @IsOptional()
  @IsIn(DOSSIER_CHANNELS)
  channel?: DossierChannel;

  @ApiPropertyOptional({ example: true, description: 'Whether the fees were paid online' })
  @IsOptional()
  @IsBoolean()
  feesPaidOnline?: boolean;

  @ApiPropertyOptional({ enum: RESULT_FORMS, description: 'Form of the result (meaningful with status 9 or 10): electronic or paper' })
  @IsOptional()
  @IsIn(RESULT_FORMS)
  resultForm?: ResultForm;

  @ApiPropertyOptional({
    type: [String],
    example: ['TK01', 'CCCD'],
    maxItems: 50,
    description: 'Codes of the dossier components replaced by registry data or evidence (from prefill), so the citizen did not bring them on paper',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @Matches(COMPONENT_CODE, { each: true, message: 'reusedComponents must hold codes of 1-32 letters, digits, . _ -' })
  reusedComponents?: string[];
}

/**
 * The message on motlan.portal.dossier-sync.v1 (key = dossierId): the reported status plus what
 * the gateway adds when it accepts it. Validated again when consumed.
 */
export class DossierStatusMessage extends DossierStatusFields {
  @Matches(DOSSIER_ID_PATTERN)
  dossierId!: string;

  /** 2-digit (2025) province of the commune. */
  @Matches(/^\d{2}$/)
  provinceCode!: string;

  /** When the gateway accepted it (RFC 3339, UTC). */
  @IsRfc3339DateTime()
  acceptedAt!: string;

  @IsString()
  @MaxLength(128)
  requestId!: string;

  /** Client (commune system) that reported it. */
  @IsString()
  @MaxLength(128)
  clientId!: string;
}

/** The portal's idempotency key of one status: the same dossier and sequence is the same status. */
export function idempotencyKey(dossierId: string, sequence: number): string {
  return `${dossierId}#${sequence}`;
}
