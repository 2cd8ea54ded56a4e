import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { MAX_EVIDENCE_LENGTH, type EvidenceInvalidReason } from '@motlan/evidence/evidence-signer.service.js';

export class VerifyEvidenceRequestDto {
  @ApiProperty({
    description: 'The compact JWS from a lookup answer (`evidence`)',
    example: 'eyJhbGciOiJFZERTQSIsImtpZCI6Ii4uLiIsInR5cCI6Im1vdGxhbi1ldmlkZW5jZStqd3MifQ.eyJpc3MiOi4uLn0.c2ln',
    maxLength: MAX_EVIDENCE_LENGTH,
  })
  @IsString({ message: 'evidence must be a string (the compact JWS)' })
  @IsNotEmpty({ message: 'evidence must not be empty' })
  // Bounded here too (not only by the body limit): the verifier never parses more than this.
  @MaxLength(MAX_EVIDENCE_LENGTH, { message: `evidence must be at most ${MAX_EVIDENCE_LENGTH} characters` })
  evidence!: string;
}

const REASONS: EvidenceInvalidReason[] = ['malformed', 'not_issued_here', 'unknown_key', 'revoked', 'signature', 'expired'];

/** The answer; an invalid evidence is a normal answer (200), not an error. */
export class VerifyEvidenceResponseDto {
  @ApiProperty()
  valid!: boolean;

  @ApiPropertyOptional({
    description: 'valid: the signed payload (iss, iat, exp, registry, dataset, subjectId, version, asOf, fields, data)',
    type: 'object',
    additionalProperties: true,
  })
  payload?: Record<string, unknown>;

  @ApiPropertyOptional({ description: 'the kid of the signing key named by the evidence (when readable)' })
  kid?: string;

  @ApiPropertyOptional({ description: 'valid: iat as ISO 8601', example: '2025-01-02T03:04:05.000Z' })
  issuedAt?: string;

  @ApiPropertyOptional({ description: 'valid: exp as ISO 8601', example: '2025-04-02T03:04:05.000Z' })
  expiresAt?: string;

  @ApiPropertyOptional({ enum: REASONS, description: 'invalid: the first check that failed, in the order listed' })
  reason?: EvidenceInvalidReason;

  @ApiPropertyOptional({ description: 'invalid: what exactly is wrong' })
  detail?: string;
}
