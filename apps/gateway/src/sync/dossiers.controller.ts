import { Body, Controller, HttpCode, Param, Put, Req } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { ErrorCodes, InvalidRequestError } from '@motlan/errors/domain-error.js';
import { DossierIntakeService, type IntakeReceipt } from '@motlan/portal-sync/dossier-intake.service.js';
import { DOSSIER_ID_PATTERN, DossierStatusFields } from '@motlan/portal-sync/dossier-status.js';
import type { AuthenticatedClient } from '../auth/authenticated-client.js';
import { Client } from '../auth/client-auth.guard.js';
import { RequireScope } from '../auth/require-scope.decorator.js';

/** Dossier status intake from commune one-stop systems, on its way to the national portal. */
@ApiTags('dossiers')
@ApiBearerAuth()
@Controller('v1/dossiers')
export class DossiersController {
  constructor(private readonly intake: DossierIntakeService) {}

  @Put(':dossierId/status')
  @HttpCode(202)
  @RequireScope('dossiers:write')
  @ApiParam({ name: 'dossierId', example: 'H01.01-241123-000123', description: 'Dossier code (MaHoSo): letters, digits, . _ / -' })
  @ApiOperation({ summary: 'Report a dossier status; 202 once it is durably queued for the national portal (a repeated sequence changes nothing)' })
  @ApiAcceptedResponse({ description: '{ dossierId, sequence, queuedAt }' })
  submit(@Client() client: AuthenticatedClient, @Param('dossierId') dossierId: string, @Body() body: DossierStatusFields, @Req() request: FastifyRequest): Promise<IntakeReceipt> {
    if (!DOSSIER_ID_PATTERN.test(dossierId)) {
      throw new InvalidRequestError(ErrorCodes.validation, 'dossierId must be 1-64 letters, digits, . _ / - starting with a letter or digit', [{ name: 'dossierId', reason: 'invalid dossier id' }]);
    }
    return this.intake.submit(dossierId, body, { clientId: client.clientId, communeCode: client.communeCode }, request.id);
  }
}
