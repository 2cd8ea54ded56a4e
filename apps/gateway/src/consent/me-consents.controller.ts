import { Body, Controller, Delete, Get, HttpCode, Param, Post, Req, UseGuards } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { CitizenPrincipal } from '@motlan/auth/citizen-token.js';
import { Citizen, CitizenAuthGuard } from '../access-log/citizen-auth.guard.js';
import { ApiProblems, BODY_PROBLEMS } from '../common/api-problems.decorator.js';
import {
  ConsentDto,
  ConsentIdParamDto,
  ConsentListDto,
  ConsentRequestCodeParamDto,
  ConsentRequestDto,
  CreateConsentDto,
  SignedConsentRequestBodyDto,
} from './consent.dto.js';
import { ConsentService } from './consent.service.js';

const CITIZEN_401 = {
  status: 401,
  description: 'No valid citizen token (a client token is refused too): `token_missing`, `token_invalid`, `token_expired`, `token_revoked`, ...',
} as const;
const UNAVAILABLE = { status: 503, description: 'Retry after `Retry-After` seconds: `consent_unavailable`, `jwks_unavailable`' } as const;
const REQUEST_NOT_FOUND = {
  status: 404,
  description: '`consent_request_not_found`: no pending request with this code for you (expired, approved already, or meant for someone else)',
} as const;
const SIGNED_REQUEST_403 = {
  status: 403,
  description:
    '`consent_request_invalid` with `reason`: `tampered` (not a consent request signed by this gateway: altered, another kind of token, ' +
    'an unknown or revoked key), `expired`, `other_subject` (it asks another citizen), `mismatch` (it does not say what the gateway holds for it)',
} as const;
const SIGNED_REQUEST_404 = {
  status: 404,
  description: '`consent_request_not_found`: the request it names is no longer pending (approved already, or expired)',
} as const;

/**
 * The citizen's own consents (a citizen token of the national e-identity): give, list, take back,
 * and approve what a commune's software asked for at the counter. Only consents of the token's
 * citizen are ever listed or changed.
 */
@ApiTags('citizen')
@ApiBearerAuth()
@Controller('v1/me')
@UseGuards(CitizenAuthGuard)
export class MeConsentsController {
  constructor(private readonly consents: ConsentService) {}

  @Post('consents')
  @ApiOperation({
    summary: 'Give a consent: let one commune read named sensitive datasets of yours for a procedure and/or dossier, until a date',
    description:
      "The answer's `id` is what the commune's software sends in X-Consent-Ref. A consent for a procedure may name only datasets that procedure reads; " +
      'it lasts at most MOTLAN_CONSENT_MAX_VALIDITY_DAYS (365) days and can be taken back at any time (DELETE).',
  })
  @ApiCreatedResponse({ type: ConsentDto })
  @ApiProblems(...BODY_PROBLEMS, CITIZEN_401, { status: 409, description: '`consent_limit_reached`: 100 consents are in force already' }, 429, UNAVAILABLE)
  give(@Citizen() citizen: CitizenPrincipal, @Body() body: CreateConsentDto, @Req() request: FastifyRequest): Promise<ConsentDto> {
    return this.consents.give(citizen.subjectId, body, request.id);
  }

  @Get('consents')
  @ApiOperation({ summary: 'My consents: in force, expired and taken back (ended ones for 90 days), newest first' })
  @ApiOkResponse({ type: ConsentListDto })
  @ApiProblems(CITIZEN_401, 429, UNAVAILABLE)
  async list(@Citizen() citizen: CitizenPrincipal): Promise<ConsentListDto> {
    return { consents: await this.consents.list(citizen.subjectId) };
  }

  @Delete('consents/:id')
  @ApiOperation({
    summary: 'Take a consent back: every lookup from then on that names it is refused (403 consent_invalid, reason revoked), on every gateway instance',
  })
  @ApiParam({ name: 'id', type: String, example: 'cns_3q2-7wKm0cS5dE4x1yVb9A' })
  @ApiOkResponse({ type: ConsentDto })
  @ApiProblems(
    { status: 400, description: '`validation_failed`: not a consent id' },
    CITIZEN_401,
    { status: 404, description: '`consent_not_found`: you have no consent with this id' },
    429,
    UNAVAILABLE,
  )
  revoke(@Citizen() citizen: CitizenPrincipal, @Param() params: ConsentIdParamDto, @Req() request: FastifyRequest): Promise<ConsentDto> {
    return this.consents.revoke(citizen.subjectId, params.id, request.id);
  }

  @Get('consent-requests/:code')
  @ApiOperation({ summary: 'What a commune asks you to consent to at the counter (the code or link it gave you), before you approve it' })
  @ApiParam({ name: 'code', type: String, example: 'K7M4QX2P' })
  @ApiOkResponse({ type: ConsentRequestDto })
  @ApiProblems({ status: 400, description: '`validation_failed`: not a request code' }, CITIZEN_401, REQUEST_NOT_FOUND, 429, UNAVAILABLE)
  show(@Citizen() citizen: CitizenPrincipal, @Param() params: ConsentRequestCodeParamDto): Promise<ConsentRequestDto> {
    return this.consents.showRequest(citizen.subjectId, params.code);
  }

  @Post('consent-requests/signed')
  @HttpCode(200)
  @ApiOperation({
    summary: 'What a signed counter request asks you to consent to (the QR code or link the clerk showed), checked, before you approve it',
    description:
      "The gateway checks the signature and that the request says what it holds for it. The citizen's app can also check the signature " +
      'itself against /.well-known/jwks.json (typ motlan-consent-request+jwt).',
  })
  @ApiOkResponse({ type: ConsentRequestDto })
  @ApiProblems(...BODY_PROBLEMS, CITIZEN_401, SIGNED_REQUEST_403, SIGNED_REQUEST_404, 429, UNAVAILABLE)
  showSigned(@Citizen() citizen: CitizenPrincipal, @Body() body: SignedConsentRequestBodyDto): Promise<ConsentRequestDto> {
    return this.consents.showSigned(citizen.subjectId, body.request);
  }

  @Post('consent-requests/signed/approve')
  @HttpCode(201)
  @ApiOperation({
    summary:
      'Approve a signed counter request: creates the consent it names, once its signature and content are checked (once, and only by the citizen it names)',
  })
  @ApiCreatedResponse({ type: ConsentDto })
  @ApiProblems(...BODY_PROBLEMS, CITIZEN_401, SIGNED_REQUEST_403, SIGNED_REQUEST_404, 429, UNAVAILABLE)
  approveSigned(@Citizen() citizen: CitizenPrincipal, @Body() body: SignedConsentRequestBodyDto, @Req() request: FastifyRequest): Promise<ConsentDto> {
    return this.consents.approveSigned(citizen.subjectId, body.request, request.id);
  }

  @Post('consent-requests/:code/approve')
  @HttpCode(201)
  @ApiOperation({ summary: 'Approve a counter request: creates the consent it names (a request works once, and only for the citizen it names)' })
  @ApiParam({ name: 'code', type: String, example: 'K7M4QX2P' })
  @ApiCreatedResponse({ type: ConsentDto })
  @ApiProblems({ status: 400, description: '`validation_failed`: not a request code' }, CITIZEN_401, REQUEST_NOT_FOUND, 429, UNAVAILABLE)
  approve(@Citizen() citizen: CitizenPrincipal, @Param() params: ConsentRequestCodeParamDto, @Req() request: FastifyRequest): Promise<ConsentDto> {
    return this.consents.approve(citizen.subjectId, params.code, request.id);
  }
}
