import { Body, Controller, Get, HttpCode, Param, Put, Req } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { ErrorCodes, InvalidRequestError } from '@motlan/errors/domain-error.js';
import { DossierIntakeService, type IntakeReceipt } from '@motlan/dossier-relay/dossier-intake.service.js';
import { DossierRebindService, type DossierBindingView, type RebindResult } from '@motlan/dossier-relay/dossier-rebind.service.js';
import { DOSSIER_ID_PATTERN, DossierStatusFields } from '@motlan/dossier-relay/dossier-status.js';
import type { AuthenticatedClient } from '../auth/authenticated-client.js';
import { Client } from '../auth/client-auth.guard.js';
import { RequireScope } from '../auth/require-scope.decorator.js';
import { ApiProblems, BODY_PROBLEMS, TOKEN_PROBLEMS } from '../common/api-problems.decorator.js';
import { DossierBindingDto, DossierRebindDto, DossierRebindResultDto, DOSSIERS_REBIND_SCOPE } from './dossier-rebind.dto.js';

/**
 * Dossier status intake from commune one-stop systems, on its way to the national portal, and the
 * operators' corrections of which commune a dossier belongs to.
 */
@ApiTags('dossiers')
@ApiBearerAuth()
@Controller('v1/dossiers')
export class DossiersController {
  constructor(
    private readonly intake: DossierIntakeService,
    private readonly rebinding: DossierRebindService,
  ) {}

  @Put(':dossierId/status')
  @HttpCode(202)
  @RequireScope('dossiers:write')
  @ApiParam({ name: 'dossierId', example: 'H01.01-241123-000123', description: 'Dossier code (MaHoSo): letters, digits, . _ / -' })
  @ApiOperation({
    summary: 'Report a dossier status; 202 once it is durably queued for the national portal (a repeated sequence changes nothing)',
    description:
      'A dossier belongs to the commune that first reported it: a status naming another commune is refused (403 dossier_commune_mismatch), whoever sends it. ' +
      '503 dossier_binding_unavailable / sync_queue_unavailable: nothing was accepted, send it again.',
  })
  @ApiAcceptedResponse({ description: '{ dossierId, sequence, queuedAt }' })
  @ApiProblems(
    { status: 400, description: 'Invalid status: `validation_failed` (with `invalidParams`), `unknown_commune`, `malformed_body`, `body_too_deep`' },
    ...BODY_PROBLEMS,
    ...TOKEN_PROBLEMS,
    {
      status: 403,
      description:
        'Not allowed: `missing_scope` (with `requiredScope`), `commune_mismatch` (the client acts for another commune), `dossier_commune_mismatch` (the dossier is bound to another commune)',
    },
    {
      status: 503,
      description: 'Nothing accepted, send it again after `Retry-After` seconds: `dossier_binding_unavailable`, `sync_queue_unavailable`, `jwks_unavailable`',
    },
  )
  submit(
    @Client() client: AuthenticatedClient,
    @Param('dossierId') dossierId: string,
    @Body() body: DossierStatusFields,
    @Req() request: FastifyRequest,
  ): Promise<IntakeReceipt> {
    return this.intake.submit(checkedDossierId(dossierId), body, { clientId: client.clientId, communeCode: client.communeCode }, request.id);
  }

  @Get(':dossierId/commune')
  @RequireScope(DOSSIERS_REBIND_SCOPE)
  @ApiParam({ name: 'dossierId', example: 'H01.14-261206-000181' })
  @ApiOperation({ summary: 'The commune a dossier is bound to (404 dossier_not_bound when no status was accepted for it)' })
  @ApiOkResponse({ type: DossierBindingDto })
  @ApiProblems(
    { status: 400, description: 'Not a dossier id: `validation_failed`' },
    ...TOKEN_PROBLEMS,
    403,
    { status: 404, description: 'No status was accepted for the dossier: `dossier_not_bound`' },
    { status: 503, description: 'Retry after `Retry-After` seconds: `dossier_binding_unavailable`, `jwks_unavailable`' },
  )
  binding(@Param('dossierId') dossierId: string): Promise<DossierBindingView> {
    return this.rebinding.get(checkedDossierId(dossierId));
  }

  @Put(':dossierId/commune')
  @RequireScope(DOSSIERS_REBIND_SCOPE)
  @ApiParam({ name: 'dossierId', example: 'H01.14-261206-000181' })
  @ApiOperation({
    summary: 'Bind a dossier to another commune (operators): its later statuses must name that commune',
    description:
      'For a dossier first reported by the wrong commune system, or moved between communes; also binds a dossier not reported yet. In force when answered; written to the audit trail (who, from which commune to which, why).',
  })
  @ApiOkResponse({ type: DossierRebindResultDto })
  @ApiProblems(
    { status: 400, description: 'Invalid request: `validation_failed` (with `invalidParams`), `unknown_commune`, `malformed_body`, `body_too_deep`' },
    ...BODY_PROBLEMS,
    ...TOKEN_PROBLEMS,
    403,
    { status: 503, description: 'Nothing changed, retry after `Retry-After` seconds: `dossier_binding_unavailable`, `jwks_unavailable`' },
  )
  rebind(
    @Client() client: AuthenticatedClient,
    @Param('dossierId') dossierId: string,
    @Body() body: DossierRebindDto,
    @Req() request: FastifyRequest,
  ): Promise<RebindResult> {
    return this.rebinding.rebind(checkedDossierId(dossierId), body.communeCode, body.reason, { clientId: client.clientId, requestId: request.id });
  }
}

function checkedDossierId(dossierId: string): string {
  if (!DOSSIER_ID_PATTERN.test(dossierId)) {
    throw new InvalidRequestError(ErrorCodes.validation, 'dossierId must be 1-64 letters, digits, . _ / - starting with a letter or digit', [
      { name: 'dossierId', reason: 'invalid dossier id' },
    ]);
  }
  return dossierId;
}
