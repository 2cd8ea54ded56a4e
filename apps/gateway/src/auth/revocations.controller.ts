import { Body, Controller, Get, HttpCode, Logger, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsOptional, IsString, Length, MaxLength } from 'class-validator';
import type { FastifyRequest } from 'fastify';
import { AuditSink } from '@motlan/audit/audit-sink.port.js';
import { RevocationList, RevocationUnavailableError, type RevocationEntry, type RevocationTarget } from '@motlan/auth/revocation-list.port.js';
import { ErrorCodes, InvalidRequestError, UnavailableError } from '@motlan/errors/domain-error.js';
import { ApiProblems, BODY_PROBLEMS, TOKEN_PROBLEMS } from '../common/api-problems.decorator.js';
import type { AuthenticatedClient } from './authenticated-client.js';
import { Client } from './client-auth.guard.js';
import { RequireScope } from './require-scope.decorator.js';

/** Scope of the revocation API. */
export const REVOKE_SCOPE = 'tokens:revoke';

export class RevocationRequestDto {
  @ApiPropertyOptional({ description: 'Token id (`jti`) of the one token to revoke', example: '5f0c…' })
  @IsOptional()
  @IsString()
  @Length(1, 256)
  jti?: string;

  @ApiPropertyOptional({ description: 'Client id (`sub`): every token of this client issued until now is revoked', example: 'commune-00004' })
  @IsOptional()
  @IsString()
  @Length(1, 256)
  clientId?: string;

  @ApiPropertyOptional({ description: 'Why (kept in the list and the audit trail)', example: 'token leaked in a support ticket' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string;
}

class RevocationEntryDto {
  @ApiProperty({ enum: ['jti', 'client'] }) kind!: 'jti' | 'client';
  @ApiProperty() value!: string;
  @ApiProperty({ description: 'For a client: tokens issued up to this second are refused' }) revokedAt!: string;
  @ApiProperty({ description: 'When the entry is forgotten: every token it can match has expired' }) expiresAt!: string;
  @ApiProperty() revokedBy!: string;
  @ApiPropertyOptional() reason?: string;
}

class RevocationListDto {
  @ApiProperty({ type: [RevocationEntryDto] }) revocations!: RevocationEntryDto[];
}

/**
 * Token revocation for security operators: a leaked token by its `jti`, or a client's every token
 * (a leaked client credential). In force on this instance before the answer, on every instance
 * within a second. Each revocation is audited.
 */
@ApiTags('admin')
@ApiBearerAuth()
@Controller('v1/admin/revocations')
export class RevocationsController {
  private readonly logger = new Logger(RevocationsController.name);

  constructor(
    private readonly revocations: RevocationList,
    private readonly audit: AuditSink,
  ) {}

  @Post()
  @HttpCode(201)
  @RequireScope(REVOKE_SCOPE)
  @ApiOperation({ summary: 'Revoke one token ({ "jti" }) or every token of a client issued until now ({ "clientId" })' })
  @ApiCreatedResponse({ type: RevocationEntryDto, description: 'The revocation, in force on this instance already' })
  @ApiProblems(
    {
      status: 400,
      description: 'Invalid request: `validation_failed` (exactly one of jti and clientId; with `invalidParams`), `malformed_body`, `body_too_deep`',
    },
    ...BODY_PROBLEMS,
    ...TOKEN_PROBLEMS,
    403,
    { status: 503, description: 'Nothing revoked, retry after `Retry-After` seconds: `revocation_unavailable`, `jwks_unavailable`' },
  )
  async revoke(@Client() client: AuthenticatedClient, @Body() body: RevocationRequestDto, @Req() request: FastifyRequest): Promise<RevocationEntryDto> {
    const target = targetOf(body);
    let entry: RevocationEntry;
    try {
      entry = await this.revocations.revoke({ target, revokedBy: client.clientId, reason: body.reason });
    } catch (error) {
      if (error instanceof RevocationUnavailableError) {
        this.logger.error({ reason: error.message }, 'revocation could not be stored');
        throw new UnavailableError(ErrorCodes.revocationUnavailable, 'the revocation list cannot be written now; retry', 2);
      }
      throw error;
    }
    // The revocation is already in force; a failed audit write is an operational alarm, not a reason to undo it.
    await this.audit
      .append({
        type: 'token_revocation',
        time: entry.revokedAt,
        requestId: request.id,
        clientId: client.clientId,
        target,
        reason: entry.reason ?? null,
        expiresAt: entry.expiresAt,
      })
      .catch((error: Error) => this.logger.error({ reason: error.message }, 'audit write failed for a token revocation'));
    return entry;
  }

  @Get()
  @RequireScope(REVOKE_SCOPE)
  @ApiOperation({ summary: 'The revocations in force, newest first' })
  @ApiOkResponse({ type: RevocationListDto })
  @ApiProblems(...TOKEN_PROBLEMS, 403, { status: 503, description: 'Retry after `Retry-After` seconds: `revocation_unavailable`, `jwks_unavailable`' })
  async list(): Promise<{ revocations: RevocationEntryDto[] }> {
    try {
      return { revocations: await this.revocations.list() };
    } catch (error) {
      if (error instanceof RevocationUnavailableError)
        throw new UnavailableError(ErrorCodes.revocationUnavailable, 'the revocation list cannot be read now; retry', 2);
      throw error;
    }
  }
}

function targetOf(body: RevocationRequestDto): RevocationTarget {
  if ((body.jti === undefined) === (body.clientId === undefined)) {
    throw new InvalidRequestError(ErrorCodes.validation, 'give exactly one of jti and clientId', [
      { name: body.jti === undefined ? 'jti' : 'clientId', reason: 'exactly one of jti and clientId' },
    ]);
  }
  return body.jti !== undefined ? { jti: body.jti } : { clientId: body.clientId as string };
}
