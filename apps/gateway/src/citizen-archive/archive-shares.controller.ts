import { Controller, Get, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { AuthenticatedClient } from '../auth/authenticated-client.js';
import { Client } from '../auth/client-auth.guard.js';
import { RequireScope } from '../auth/require-scope.decorator.js';
import { ApiProblems, TOKEN_PROBLEMS } from '../common/api-problems.decorator.js';
import { RedeemedShareDto, RedeemHeaders, RedeemHeadersDto, ShareReferenceParamDto } from './citizen-archive.dto.js';
import { CitizenArchiveService } from './citizen-archive.service.js';

/** Scope of a commune's software that redeems the archive shares citizens give it. */
export const ARCHIVE_REDEEM_SCOPE = 'archive:redeem';

/** A commune's clerk reuses what a citizen shared from their archive, instead of asking for the paper again. */
@ApiTags('archive')
@ApiBearerAuth()
@Controller('v1/archive/shares')
export class ArchiveSharesController {
  constructor(private readonly archive: CitizenArchiveService) {}

  @Get(':ref')
  @RequireScope(ARCHIVE_REDEEM_SCOPE)
  @ApiOperation({
    summary: "Redeem a citizen's share reference: the one archive item it opens, for this commune and dossier, until it expires",
    description:
      'Needs scope archive:redeem, a token bound to the commune the share names (claim `commune`) and X-Dossier-Id of the dossier it names. ' +
      "Every redemption, answered or refused, is written to the audit trail and shows in the citizen's access log with the share id.",
  })
  @ApiParam({ name: 'ref', type: String, example: 'shr1.q1Wm…' })
  @ApiHeader({ name: 'X-Dossier-Id', required: true, description: 'The dossier the share is for', example: 'H01.22-261123-0001' })
  @ApiHeader({ name: 'X-Officer-Id', required: true, description: 'Officer at the counter', example: 'officer-001' })
  @ApiHeader({ name: 'X-Purpose', required: false, description: 'Procedure code (N.NNNNNN), recorded with the redemption', example: '1.004222' })
  @ApiOkResponse({ type: RedeemedShareDto })
  @ApiProblems(
    { status: 400, description: '`validation_failed`: not a share reference, or X-Dossier-Id / X-Officer-Id missing or malformed (with `invalidParams`)' },
    ...TOKEN_PROBLEMS,
    {
      status: 403,
      description:
        '`missing_scope` (archive:redeem), `commune_required` (the token has no commune claim), `share_invalid` with `reason`: ' +
        '`tampered`, `expired`, `other_commune`, `other_dossier`, `withdrawn` (the citizen deleted the item)',
    },
    { status: 503, description: 'Retry after `Retry-After` seconds: `archive_unavailable`, `audit_unavailable`, `jwks_unavailable`' },
  )
  redeem(
    @Client() client: AuthenticatedClient,
    @Param() params: ShareReferenceParamDto,
    @RedeemHeaders() headers: RedeemHeadersDto,
  ): Promise<RedeemedShareDto> {
    return this.archive.redeem(client, params.ref, headers);
  }
}
