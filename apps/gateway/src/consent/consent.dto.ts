import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsOptional, IsString, Matches, MaxLength, ValidateNested } from 'class-validator';
import { MAX_SIGNED_REQUEST_LENGTH, SIGNED_REQUEST_PATTERN } from '@motlan/consent/consent-request-signer.js';
import { CONSENT_ID_PATTERN, REQUEST_CODE_PATTERN } from '@motlan/consent/consent.js';
import { PURPOSE_PATTERN } from '@motlan/identifiers/subject-id.js';
import { NAME } from '../lookup/lookup.dto.js';
import { IsDateTimeWithOffset } from './date-time-with-offset.js';

const DOSSIER = /^[\w.\-/:]{1,64}$/;
const COMMUNE = /^\d{5}$/;
/** The citizen's 12-digit personal id (checked further with parseCccd by the service). */
const PERSONAL_ID = /^\d{12}$/;

/** A registry dataset a consent covers. */
export class ConsentDatasetDto {
  @ApiProperty({ example: 'civil-status' })
  @Matches(NAME, { message: 'registry must be a lower-case name' })
  registry!: string;

  @ApiProperty({ example: 'birth' })
  @Matches(NAME, { message: 'dataset must be a lower-case name' })
  dataset!: string;
}

/** What a consent covers: the scope both a citizen's own consent and a counter request name. */
class ConsentScopeDto {
  @ApiPropertyOptional({
    example: '2.000815',
    description: 'Procedure code the consent is for; a lookup must name it in X-Purpose. Give this, dossierId, or both',
  })
  @IsOptional()
  @Matches(PURPOSE_PATTERN, { message: 'procedure must be a procedure code of the form N.NNNNNN' })
  procedure?: string;

  @ApiPropertyOptional({ example: 'H01.22-261123-0001', description: 'Dossier the consent is for; a lookup must carry it in X-Dossier-Id' })
  @IsOptional()
  @Matches(DOSSIER, { message: 'dossierId must be 1-64 characters of letters, digits, . _ - / :' })
  dossierId?: string;

  @ApiProperty({ type: [ConsentDatasetDto], description: 'Registry datasets it covers (1-20)' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => ConsentDatasetDto)
  datasets!: ConsentDatasetDto[];

  @ApiProperty({
    example: '2027-01-31T17:00:00+07:00',
    description: 'Until when (RFC 3339 date-time); in the future, at most MOTLAN_CONSENT_MAX_VALIDITY_DAYS (365) days ahead',
  })
  @IsDateTimeWithOffset({ message: 'validUntil must be a date-time with offset (2027-01-31T17:00:00+07:00), naming a real day and time' })
  validUntil!: string;
}

/** POST /v1/me/consents: the citizen gives a consent to a commune. */
export class CreateConsentDto extends ConsentScopeDto {
  @ApiProperty({ example: '00004', description: "Commune (5-digit code) whose systems may use it: the client token's `commune` claim must be this" })
  @Matches(COMMUNE, { message: 'communeCode must be a 5-digit commune code' })
  communeCode!: string;
}

/** POST /v1/consent-requests: the clerk's software asks the citizen at the counter for a consent. */
export class CreateConsentRequestDto extends ConsentScopeDto {
  @ApiProperty({ example: '001099012345', description: 'The citizen asked (12-digit personal id): only they can approve it' })
  @Matches(PERSONAL_ID, { message: 'subjectId must be a 12-digit personal id' })
  subjectId!: string;

  @ApiPropertyOptional({
    example: '00004',
    description: "The commune; when given, it must be the client token's `commune` claim (the consent is always for that commune)",
  })
  @IsOptional()
  @Matches(COMMUNE, { message: 'communeCode must be a 5-digit commune code' })
  communeCode?: string;

  @ApiPropertyOptional({ example: 'officer-001', description: 'Officer at the counter, shown to the citizen' })
  @IsOptional()
  @Matches(/^[\w.@:-]{1,64}$/, { message: 'officerId must be 1-64 characters of letters, digits, . _ - @ :' })
  officerId?: string;
}

export class ConsentIdParamDto {
  @Matches(CONSENT_ID_PATTERN, { message: 'id must be a consent id (cns_…)' })
  id!: string;
}

export class ConsentRequestCodeParamDto {
  @Matches(REQUEST_CODE_PATTERN, { message: 'code must be the 8-character code of a consent request' })
  code!: string;
}

/** POST /v1/me/consent-requests/signed[/approve]: the signed form of a counter request, as the clerk's software showed it. */
export class SignedConsentRequestBodyDto {
  @ApiProperty({
    example: 'eyJhbGciOiJFZERTQSIsImtpZCI6Ii4uLiIsInR5cCI6Im1vdGxhbi1jb25zZW50LXJlcXVlc3Qrand0In0.eyJjb2RlIjoiSzdNNFFYMlAiLCJ...',
    description:
      "The request's `signedRequest` (or the part of its `signedLink` after `#request=`): a compact JWT the gateway signed, " +
      'typ motlan-consent-request+jwt, verifiable against /.well-known/jwks.json',
    maxLength: MAX_SIGNED_REQUEST_LENGTH,
  })
  @IsString({ message: 'request must be the signed consent request (a compact JWS)' })
  @MaxLength(MAX_SIGNED_REQUEST_LENGTH, { message: `request must be at most ${MAX_SIGNED_REQUEST_LENGTH} characters` })
  @Matches(SIGNED_REQUEST_PATTERN, { message: 'request must be a compact JWS (three base64url parts separated by dots)' })
  request!: string;
}

class ConsentOriginDto {
  @ApiProperty({
    enum: ['citizen', 'counter-request'],
    description: 'citizen: given with your own token; counter-request: a request of a commune system you approved',
  })
  kind!: 'citizen' | 'counter-request';
  @ApiPropertyOptional({ example: 'commune-00004', description: 'counter-request: the client system that asked' })
  clientId?: string;
  @ApiPropertyOptional({ example: 'officer-001', nullable: true, type: String, description: 'counter-request: the officer that asked' })
  officerId?: string | null;
}

/** What a consent (or the consent a request would create) covers, as answered. */
class ConsentScopeViewDto {
  @ApiProperty({ example: '2.000815', nullable: true, type: String })
  procedure!: string | null;
  @ApiProperty({ example: null, nullable: true, type: String })
  dossierId!: string | null;
  @ApiProperty({ example: '00004' })
  communeCode!: string;
  @ApiProperty({ type: [ConsentDatasetDto] })
  datasets!: ConsentDatasetDto[];
  @ApiProperty({ example: '2027-01-31T10:00:00.000Z', description: 'Until when the consent lasts' })
  validUntil!: string;
}

/** A consent as its citizen sees it. */
export class ConsentDto extends ConsentScopeViewDto {
  @ApiProperty({ example: 'cns_3q2-7wKm0cS5dE4x1yVb9A', description: 'What the commune system sends in X-Consent-Ref' })
  id!: string;
  @ApiProperty({ example: '2026-11-23T02:15:00.000Z' })
  createdAt!: string;
  @ApiProperty({ example: null, nullable: true, type: String, description: 'When you took it back' })
  revokedAt!: string | null;
  @ApiProperty({ enum: ['active', 'expired', 'revoked'] })
  status!: 'active' | 'expired' | 'revoked';
  @ApiProperty({ type: ConsentOriginDto })
  origin!: ConsentOriginDto;
}

export class ConsentListDto {
  @ApiProperty({ type: [ConsentDto], description: 'Newest first; ended consents stay listed for MOTLAN_CONSENT_RETENTION_DAYS (90) days' })
  consents!: ConsentDto[];
}

/** Where a counter request stands, for the client that created it. */
export class ConsentRequestStatusDto {
  @ApiProperty({ example: 'K7M4QX2P' })
  code!: string;
  @ApiProperty({ enum: ['pending', 'approved'] })
  status!: 'pending' | 'approved';
  @ApiProperty({ example: 'cns_3q2-7wKm0cS5dE4x1yVb9A', nullable: true, type: String, description: 'Once approved: send it in X-Consent-Ref' })
  consentId!: string | null;
}

/** A counter request, as the citizen is shown it before approving, and as its creator gets it back. */
export class ConsentRequestDto extends ConsentScopeViewDto {
  @ApiProperty({ example: 'crq_Xk2v9QmT3pLw8rYz1aBcDe', description: "The request's id: the `jti` of its signed form" })
  id!: string;
  @ApiProperty({ example: 'K7M4QX2P', description: '8 characters (no 0/O, 1/I/L): the citizen types it or opens the link' })
  code!: string;
  @ApiProperty({ example: '/v1/me/consent-requests/K7M4QX2P', description: 'Where the citizen approves it (MOTLAN_CONSENT_LINK_BASE + code)' })
  link!: string;
  @ApiProperty({ example: '2026-11-23T02:30:00.000Z', description: 'It cannot be approved after this (MOTLAN_CONSENT_REQUEST_TTL_SEC, 15 minutes)' })
  expiresAt!: string;
  @ApiProperty({ example: 'commune-00004', description: 'Client system that asked' })
  clientId!: string;
  @ApiProperty({ example: 'officer-001', nullable: true, type: String })
  officerId!: string | null;
  @ApiProperty({ example: 'Phường Ba Đình', nullable: true, type: String, description: "The commune's name, for the citizen to read (null if unknown)" })
  communeName!: string | null;
  @ApiProperty({
    example: 'Chứng thực bản sao từ bản chính giấy tờ, văn bản do cơ quan, tổ chức có thẩm quyền của Việt Nam cấp hoặc chứng nhận',
    nullable: true,
    type: String,
    description: "The procedure's name in the catalog in force (null when the request names no procedure, or the catalog no longer has it)",
  })
  procedureName!: string | null;
}

/** What the clerk's software gets back when it asks: the request, its code, and its signed form to show the citizen. */
export class CreatedConsentRequestDto extends ConsentRequestDto {
  @ApiProperty({
    example: 'eyJhbGciOiJFZERTQSIsImtpZCI6Ii4uLiIsInR5cCI6Im1vdGxhbi1jb25zZW50LXJlcXVlc3Qrand0In0.eyJjb2RlIjoiSzdNNFFYMlAiLCJ...',
    description:
      'The request signed by the gateway (compact JWT, typ motlan-consent-request+jwt, signed with its evidence keys, verifiable against ' +
      '/.well-known/jwks.json): claims iss, iat, exp (the expiry), jti (the id), sub (the citizen asked), code, procedure, dossierId, communeCode, ' +
      'datasets, validUntil, clientId, officerId. Show it (e.g. as a QR code); the citizen approves it with POST /v1/me/consent-requests/signed/approve',
  })
  signedRequest!: string;
  @ApiProperty({
    example: '/v1/me/consent-requests/K7M4QX2P#request=eyJhbGciOiJFZERTQSIs...',
    description: 'The link with the signed request in its fragment (never sent to a server): `link` + `#request=` + signedRequest',
  })
  signedLink!: string;
}
