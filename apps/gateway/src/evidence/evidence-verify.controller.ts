import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { EvidenceSignerService, type EvidenceVerification } from '@motlan/evidence/evidence-signer.service.js';
import { ClientAuthGuard } from '../auth/client-auth.guard.js';
import { ApiProblems, BODY_PROBLEMS, TOKEN_PROBLEMS } from '../common/api-problems.decorator.js';
import { VerifyEvidenceRequestDto, VerifyEvidenceResponseDto } from './verify-evidence.dto.js';

/**
 * Checks evidence attached to a dossier for whoever holds it (another commune, the national
 * portal). Any authenticated client may ask: the evidence itself carries the data, so checking it
 * releases nothing new. Offline checking against the published key set gives the same verdict
 * (docs/evidence.md); this endpoint also knows about revoked keys and names the reason.
 */
@ApiTags('evidence')
@ApiBearerAuth()
@Controller('v1/evidence')
@UseGuards(ClientAuthGuard)
export class EvidenceVerifyController {
  constructor(private readonly signer: EvidenceSignerService) {}

  @Post('verify')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Verify evidence: { valid: true, payload, kid, issuedAt, expiresAt } or { valid: false, reason, detail }',
    description:
      'Reasons, in the order checked: malformed, not_issued_here (typ or iss of another issuer), unknown_key, revoked, signature, expired. ' +
      'An invalid evidence is answered 200 with valid: false; a malformed request body is a 400 problem.',
  })
  @ApiOkResponse({ type: VerifyEvidenceResponseDto })
  @ApiProblems(...BODY_PROBLEMS, ...TOKEN_PROBLEMS)
  verify(@Body() body: VerifyEvidenceRequestDto): Promise<EvidenceVerification> {
    return this.signer.verify(body.evidence);
  }
}
