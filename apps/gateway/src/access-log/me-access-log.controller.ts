import { Controller, Get, Query, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { CitizenPrincipal } from '@motlan/auth/citizen-token.js';
import { ApiProblems } from '../common/api-problems.decorator.js';
import { AccessLogPageDto, AccessLogQueryDto } from './access-log.dto.js';
import { AccessLogService } from './access-log.service.js';
import { Citizen, CitizenAuthGuard } from './citizen-auth.guard.js';

/** Routes of the citizen themself (a citizen token of the national e-identity), never of client systems. */
@ApiTags('citizen')
@ApiBearerAuth()
@Controller('v1/me')
@UseGuards(CitizenAuthGuard)
export class MeAccessLogController {
  constructor(private readonly accessLog: AccessLogService) {}

  @Get('access-log')
  @ApiOperation({
    summary: 'Who accessed my data: client system and its commune, officer, procedure, dossier, registry, dataset and fields, newest first',
    description:
      'Needs a citizen token of the national e-identity (sub = your 12-digit personal id); a client token is refused (401). ' +
      'Lists the lookups of client systems about you, answered and refused, and the lookups about someone else (or a parcel) whose released ' +
      'record named you (role named-in-record, with the field path), for up to two years. Repeated refusals of one client system, for one reason ' +
      'and dataset, within an hour are one entry with their count. Paginated with nextCursor.',
  })
  @ApiOkResponse({ type: AccessLogPageDto })
  @ApiProblems(
    { status: 400, description: 'Invalid query: `validation_failed` (with `invalidParams`), `invalid_cursor`' },
    {
      status: 401,
      description: 'No valid citizen token (a client token is refused too): `token_missing`, `token_invalid`, `token_expired`, `token_revoked`, ...',
    },
    429,
    { status: 503, description: 'Retry after `Retry-After` seconds: `access_log_unavailable`, `jwks_unavailable`' },
  )
  page(@Citizen() citizen: CitizenPrincipal, @Query() query: AccessLogQueryDto, @Res({ passthrough: true }) reply: FastifyReply): Promise<AccessLogPageDto> {
    // Personal data: no shared cache may keep it.
    void reply.header('cache-control', 'no-store');
    return this.accessLog.page(citizen.subjectId, query);
  }
}
