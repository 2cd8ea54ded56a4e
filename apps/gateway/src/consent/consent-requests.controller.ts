import { Body, Controller, Get, Param, Post, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { AuthenticatedClient } from '../auth/authenticated-client.js';
import { Client } from '../auth/client-auth.guard.js';
import { RequireScope } from '../auth/require-scope.decorator.js';
import { ApiProblems, BODY_PROBLEMS, TOKEN_PROBLEMS } from '../common/api-problems.decorator.js';
import { ConsentRequestCodeParamDto, ConsentRequestStatusDto, CreateConsentRequestDto, CreatedConsentRequestDto } from './consent.dto.js';
import { ConsentService } from './consent.service.js';

/** Scope of a commune's software that asks citizens for consent at the counter. */
export const CONSENT_REQUEST_SCOPE = 'consents:request';

/** Consent asked for at the counter: the clerk's software creates the request, the citizen approves it on their own device. */
@ApiTags('consent')
@ApiBearerAuth()
@Controller('v1/consent-requests')
export class ConsentRequestsController {
  constructor(private readonly consents: ConsentService) {}

  @Post()
  @RequireScope(CONSENT_REQUEST_SCOPE)
  @ApiOperation({
    summary:
      'Ask a citizen at the counter for a consent: answers a short code, and the request signed by the gateway, which the citizen approves with their own token',
    description:
      'Needs scope consents:request and a token bound to a commune (claim `commune`): the consent is for that commune. The answer holds an ' +
      '8-character `code` (the citizen types it, or opens `link`) and `signedRequest`, the request signed by the gateway (compact JWT, typ ' +
      'motlan-consent-request+jwt, verifiable against /.well-known/jwks.json; `signedLink` carries it in its fragment) to show, e.g. as a QR code. ' +
      'The citizen approves with their citizen token, by code (POST /v1/me/consent-requests/{code}/approve) or by the signed request ' +
      '(POST /v1/me/consent-requests/signed/approve, refused if it was altered). The request expires after MOTLAN_CONSENT_REQUEST_TTL_SEC ' +
      '(15 minutes), works once, and only the citizen named in subjectId can approve it. The clerk never needs the consent id from the citizen: ' +
      'this software reads GET /v1/consent-requests/{code} until it answers `approved` with the `consentId`, and sends that in X-Consent-Ref.',
  })
  @ApiCreatedResponse({ type: CreatedConsentRequestDto })
  @ApiProblems(
    ...BODY_PROBLEMS,
    ...TOKEN_PROBLEMS,
    {
      status: 403,
      description:
        "`missing_scope` (consents:request), `commune_required` (the token has no commune claim), `commune_mismatch` (communeCode is not the token's commune)",
    },
    { status: 503, description: 'Retry after `Retry-After` seconds: `consent_unavailable`, `jwks_unavailable`' },
  )
  ask(@Client() client: AuthenticatedClient, @Body() body: CreateConsentRequestDto, @Req() request: FastifyRequest): Promise<CreatedConsentRequestDto> {
    return this.consents.ask(client, body, request.id);
  }

  @Get(':code')
  @RequireScope(CONSENT_REQUEST_SCOPE)
  @ApiOperation({ summary: 'Whether the citizen has approved a request this client created, and the consent id to send in X-Consent-Ref once they have' })
  @ApiParam({ name: 'code', type: String, example: 'K7M4QX2P' })
  @ApiOkResponse({ type: ConsentRequestStatusDto })
  @ApiProblems(
    { status: 400, description: '`validation_failed`: not a request code' },
    ...TOKEN_PROBLEMS,
    403,
    { status: 404, description: '`consent_request_not_found`: no request of this client with this code (expired, or never made)' },
    { status: 503, description: 'Retry after `Retry-After` seconds: `consent_unavailable`, `jwks_unavailable`' },
  )
  status(@Client() client: AuthenticatedClient, @Param() params: ConsentRequestCodeParamDto): Promise<ConsentRequestStatusDto> {
    return this.consents.requestStatus(client, params.code);
  }
}
