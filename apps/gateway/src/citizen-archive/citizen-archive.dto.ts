import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { ApiHideProperty, ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches } from 'class-validator';
import type { FastifyRequest } from 'fastify';
import { ARCHIVE_ITEM_ID_PATTERN, SHARE_REFERENCE_PATTERN } from '@motlan/citizen-archive/archive-item.js';
import { PURPOSE_PATTERN } from '@motlan/identifiers/subject-id.js';
import { validateFlatDto } from '../common/validation.js';
import { IsDateTimeWithOffset } from '../consent/date-time-with-offset.js';

const DOSSIER = /^[\w.\-/:]{1,64}$/;
const COMMUNE = /^\d{5}$/;

export class ArchiveItemIdParamDto {
  @Matches(ARCHIVE_ITEM_ID_PATTERN, { message: 'id must be an archive item id (arc_…)' })
  id!: string;
}

export class ShareReferenceParamDto {
  @Matches(SHARE_REFERENCE_PATTERN, { message: 'ref must be a share reference (shr1.…)' })
  ref!: string;
}

/** POST /v1/me/archive/{id}/share: let one commune read one item for one dossier, until a time. */
export class CreateShareDto {
  @ApiProperty({ example: '00004', description: "The commune (5-digit code) whose systems may read it: the redeeming token's `commune` claim must be this" })
  @Matches(COMMUNE, { message: 'communeCode must be a 5-digit commune code' })
  communeCode!: string;

  @ApiProperty({ example: 'H01.22-261123-0001', description: 'The dossier it is for: the redeeming request must carry it in X-Dossier-Id' })
  @Matches(DOSSIER, { message: 'dossierId must be 1-64 characters of letters, digits, . _ - / :' })
  dossierId!: string;

  @ApiProperty({
    example: '2026-12-20T17:00:00+07:00',
    description: 'Until when (RFC 3339 date-time); in the future, at most MOTLAN_ARCHIVE_SHARE_MAX_DAYS (30) days ahead',
  })
  @IsDateTimeWithOffset({ message: 'validUntil must be a date-time with offset (2026-12-20T17:00:00+07:00), naming a real day and time' })
  validUntil!: string;
}

/** The headers a redemption carries: who at the counter, for which dossier (and, optionally, why). */
export class RedeemHeadersDto {
  @IsString({ message: 'X-Officer-Id is required' })
  @Matches(/^[\w.@:-]{1,64}$/, { message: 'X-Officer-Id must be 1-64 characters of letters, digits, . _ - @ :' })
  officerId!: string;

  @IsString({ message: 'X-Dossier-Id is required: a share is for one dossier' })
  @Matches(DOSSIER, { message: 'X-Dossier-Id must be 1-64 characters of letters, digits, . _ - / :' })
  dossierId!: string;

  @IsOptional()
  @Matches(PURPOSE_PATTERN, { message: 'X-Purpose must be a procedure code of the form N.NNNNNN (e.g. 1.004222)' })
  purpose?: string;

  @ApiHideProperty()
  @IsString()
  requestId!: string;
}

/** The redemption headers, validated as a RedeemHeadersDto. */
export const RedeemHeaders = createParamDecorator((_: unknown, context: ExecutionContext) => {
  const request = context.switchToHttp().getRequest<FastifyRequest>();
  const one = (name: string): string | undefined => {
    const value = request.headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const plain: Record<string, string> = { requestId: request.id };
  for (const [field, header] of [
    ['officerId', 'x-officer-id'],
    ['dossierId', 'x-dossier-id'],
    ['purpose', 'x-purpose'],
  ] as const) {
    const value = one(header);
    if (value !== undefined && value !== '') plain[field] = value;
  }
  return validateFlatDto(RedeemHeadersDto, plain);
});

class EvidenceViewDto {
  @ApiProperty({ example: 'population' }) registry!: string;
  @ApiProperty({ example: 'person' }) dataset!: string;
  @ApiProperty({ description: 'The signed evidence (compact JWS): anyone can check it with POST /v1/evidence/verify or the published key set' })
  jws!: string;
  @ApiProperty({ example: 'ev-2026-11', description: 'The signing key' }) kid!: string;
  @ApiProperty({ example: '1.004222', nullable: true, type: String, description: 'The procedure of the lookup it was issued for' })
  purpose!: string | null;
  @ApiProperty({ example: 'H01.22-261123-0001', nullable: true, type: String }) dossierId!: string | null;
}

class ResultDocumentViewDto {
  @ApiProperty({ example: 'KQ01' }) code!: string;
  @ApiProperty({ example: 'Giấy xác nhận thông tin về cư trú' }) name!: string;
  @ApiProperty({ example: 'https://dichvucong.gov.vn/ket-qua/H01.01-241123-000123/KQ01', nullable: true, type: String }) url!: string | null;
}

class ResultViewDto {
  @ApiProperty({ example: 'H01.22-261123-0001' }) dossierId!: string;
  @ApiProperty({ example: '1.004222' }) procedureCode!: string;
  @ApiProperty({ type: [ResultDocumentViewDto] }) documents!: ResultDocumentViewDto[];
}

class IssuerDto {
  @ApiProperty({ example: 'urn:motlan:gateway', description: 'Evidence: its `iss`. Result: `commune:<code>`' }) id!: string;
  @ApiProperty({ example: 'Phường Ba Đình, Thành phố Hà Nội', nullable: true, type: String }) name!: string | null;
}

/** A share of an item, as its citizen sees it (never the reference itself: only its creator got that). */
export class ShareViewDto {
  @ApiProperty({ example: 'shr_3q2-7wKm0cS5dE4x1yVb9A', description: 'Named in your access log when a commune redeemed it' }) id!: string;
  @ApiProperty({ example: '00004' }) communeCode!: string;
  @ApiProperty({ example: 'H01.22-261123-0001' }) dossierId!: string;
  @ApiProperty({ example: '2026-12-06T10:00:00.000Z' }) createdAt!: string;
  @ApiProperty({ example: '2026-12-20T10:00:00.000Z' }) validUntil!: string;
}

export class ArchiveItemDto {
  @ApiProperty({ example: 'arc_Zt2oQm0yY1lW3cT4nH9cXg' }) id!: string;
  @ApiProperty({ enum: ['evidence', 'result'], description: 'evidence: a signed extract of a registry record; result: an electronic result of a dossier' })
  kind!: 'evidence' | 'result';
  @ApiProperty({ type: IssuerDto }) issuer!: IssuerDto;
  @ApiProperty({ example: '2026-12-06T10:00:00.000Z', description: 'When it was issued' }) issuedAt!: string;
  @ApiProperty({ example: '2027-03-06T10:00:00.000Z', nullable: true, type: String, description: 'Until when it is valid (evidence expires; results do not)' })
  validUntil!: string | null;
  @ApiProperty({
    enum: ['valid', 'expired', 'revoked', 'unverifiable'],
    description: 'Evidence is checked now: `revoked` when its signing key was revoked, `unverifiable` when its key is no longer published',
  })
  status!: 'valid' | 'expired' | 'revoked' | 'unverifiable';
  @ApiProperty({ example: '2026-12-06T10:00:01.000Z', description: 'When it was archived' }) storedAt!: string;
  @ApiProperty({ example: '2031-12-05T10:00:01.000Z', description: 'When it is deleted (MOTLAN_ARCHIVE_RETENTION_DAYS after it was archived)' })
  deleteAt!: string;
  @ApiPropertyOptional({ type: EvidenceViewDto }) evidence?: EvidenceViewDto;
  @ApiPropertyOptional({ type: ResultViewDto }) result?: ResultViewDto;
}

export class MyArchiveItemDto extends ArchiveItemDto {
  @ApiProperty({ type: [ShareViewDto], description: 'Shares still valid' }) shares!: ShareViewDto[];
}

export class ArchiveListDto {
  @ApiProperty({ type: [MyArchiveItemDto], description: 'Newest first' }) items!: MyArchiveItemDto[];
}

export class ShareCreatedDto extends ShareViewDto {
  @ApiProperty({
    example: 'shr1.q1Wm…',
    description: "Give it to the commune's clerk (or their software): it opens this one item to that commune, for that dossier, until validUntil",
  })
  reference!: string;
  @ApiProperty({ example: 'arc_Zt2oQm0yY1lW3cT4nH9cXg' }) itemId!: string;
}

export class RedeemedShareDto {
  @ApiProperty({ type: ArchiveItemDto }) item!: ArchiveItemDto;
  @ApiProperty({ type: ShareViewDto }) share!: ShareViewDto;
}
