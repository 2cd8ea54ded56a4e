import { Body, Controller, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { ErrorCodes, InvalidRequestError } from '@motlan/errors/domain-error.js';
import type { AuthenticatedClient } from '../auth/authenticated-client.js';
import { Client, ClientAuthGuard } from '../auth/client-auth.guard.js';
import { ApiProblems, BODY_PROBLEMS, TOKEN_PROBLEMS } from '../common/api-problems.decorator.js';
import { validateFlatDto } from '../common/validation.js';
import { headerValues, LookupHeadersDto } from '../lookup/lookup-request.dto.js';
import { PrefillAnswerDto, PrefillRequestDto } from './prefill.dto.js';
import { PrefillService } from './prefill.service.js';

/** E-form prefill for the clerk's software. Parses and authenticates; the PrefillService does the work. */
@ApiTags('prefill')
@ApiBearerAuth()
@Controller('v1/prefill')
@UseGuards(ClientAuthGuard)
export class PrefillController {
  constructor(private readonly prefills: PrefillService) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({
    summary: "Fill a procedure's e-form from the registries and replace its dossier components with signed evidence",
    description:
      "Reads every record the procedure's e-form and components need (GET /v1/purposes lists them), following relations such as the household head " +
      'or a parent, in parallel and through the cache; each read is held to the procedure (the purpose), the token scopes and, for sensitive ' +
      'datasets, consent (X-Consent-Ref) unless the catalog names a legal basis. One audit record per registry record read. Values and ' +
      'components the registries cannot supply are listed in `missing` with a reason; nothing is invented.',
  })
  @ApiHeader({ name: 'X-Officer-Id', required: true, description: 'Officer at the counter' })
  @ApiHeader({ name: 'X-Dossier-Id', required: false, description: 'Dossier the data goes into' })
  @ApiHeader({
    name: 'X-Consent-Ref',
    required: false,
    description:
      "Id of the citizen's consent (GET /v1/me/consents), for sensitive datasets without a legal basis; checked per record read (consent_invalid in `missing` when it does not cover one)",
  })
  @ApiHeader({ name: 'X-Purpose', required: false, description: 'If sent, must equal procedureCode' })
  @ApiOkResponse({ type: PrefillAnswerDto })
  @ApiProblems(
    {
      status: 400,
      description:
        'Invalid request: `validation_failed` (with `invalidParams`), `invalid_purpose` (X-Purpose differs from procedureCode), `malformed_body`, `body_too_deep`',
    },
    ...BODY_PROBLEMS,
    ...TOKEN_PROBLEMS,
    { status: 403, description: 'The procedure is not in the catalog: `purpose_unknown`; reads it may not make are listed in `missing` with their reason' },
    { status: 422, description: 'The procedure has no e-form to fill: `no_eform`' },
    {
      status: 503,
      description:
        'Nothing released, retry after `Retry-After` seconds: `audit_unavailable`, `jwks_unavailable`; a registry that cannot answer is listed in `missing` instead',
    },
  )
  prefill(@Client() client: AuthenticatedClient, @Body() body: PrefillRequestDto, @Req() request: FastifyRequest): Promise<PrefillAnswerDto> {
    const given = headerValues(request);
    if (given.purpose !== undefined && given.purpose !== body.procedureCode) {
      throw new InvalidRequestError(ErrorCodes.invalidPurpose, 'X-Purpose, when sent, must equal procedureCode', [
        { name: 'purpose', reason: 'differs from procedureCode' },
      ]);
    }
    const headers = validateFlatDto(LookupHeadersDto, { ...given, purpose: body.procedureCode });
    return this.prefills.prefill(client, headers, body.subjects);
  }
}
