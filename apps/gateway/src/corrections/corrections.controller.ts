import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { correctionRevision, type Correction } from '@motlan/corrections/correction.js';
import { CorrectionScopes, CorrectionService, reviewedRegistries, type CorrectionActor } from '@motlan/corrections/correction.service.js';
import { ErrorCodes, InvalidRequestError } from '@motlan/errors/domain-error.js';
import type { AuthenticatedClient } from '../auth/authenticated-client.js';
import { Client, ClientAuthGuard } from '../auth/client-auth.guard.js';
import { RequireScope } from '../auth/require-scope.decorator.js';
import { ApiProblems, BODY_PROBLEMS, TOKEN_PROBLEMS } from '../common/api-problems.decorator.js';
import { CorrectionDecisionDto, CorrectionFilingDto, CorrectionIdParamDto, CorrectionQueueQueryDto } from './correction.dto.js';

/**
 * Corrections back to the source registry: clerks file and follow them, the registry's operators
 * read their queue and decide. Thin: CorrectionService checks, stores, relays and audits.
 */
@ApiTags('corrections')
@ApiBearerAuth()
@Controller('v1/corrections')
export class CorrectionsController {
  constructor(private readonly corrections: CorrectionService) {}

  @Post()
  @RequireScope(CorrectionScopes.write)
  @ApiOperation({ summary: 'File a correction of a registry value: relayed to the registry (over its adapter, or to its operator queue)' })
  @ApiCreatedResponse({ description: 'The correction, open', headers: { Location: { description: 'Its URL', schema: { type: 'string' } } } })
  @ApiProblems(
    {
      status: 400,
      description:
        'Invalid filing: `validation_failed` (with `invalidParams`), `invalid_subject_id`, `unknown_field`, `unknown_registry`, `unknown_dataset`, `invalid_purpose`, `malformed_body`, `body_too_deep`',
    },
    ...BODY_PROBLEMS,
    ...TOKEN_PROBLEMS,
    { status: 403, description: '`missing_scope` (with `requiredScope`), `purpose_not_allowed` (the procedure does not read that field)' },
    {
      status: 503,
      description:
        'Nothing was filed, retry after `Retry-After` seconds: `registry_not_connected`, `registry_unavailable`, `audit_unavailable`, `registry_events_unavailable`',
    },
  )
  async file(
    @Client() client: AuthenticatedClient,
    @Body() body: CorrectionFilingDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Correction> {
    const correction = await this.corrections.file(body, actor(client, request));
    void reply.status(201).header('location', `/v1/corrections/${correction.id}`).header('etag', etagOf(correction));
    return correction;
  }

  @Get()
  @UseGuards(ClientAuthGuard)
  @ApiOperation({ summary: 'A registry’s operator queue: its corrections still to decide or apply (scope corrections:review:<registry>)' })
  @ApiOkResponse({ description: '{ corrections: [...] }, oldest first' })
  @ApiProblems(400, ...TOKEN_PROBLEMS, { status: 403, description: '`missing_scope` (with `requiredScope`: corrections:review:<registry>)' })
  queue(@Client() client: AuthenticatedClient, @Query() query: CorrectionQueueQueryDto, @Req() request: FastifyRequest): { corrections: Correction[] } {
    return { corrections: this.corrections.queue(query.registry, actor(client, request), query.state) };
  }

  @Get(':id')
  @UseGuards(ClientAuthGuard)
  @ApiOperation({ summary: 'One correction and its life cycle, for the filing client or commune and the registry’s reviewers' })
  @ApiOkResponse({
    description: 'The correction',
    headers: { ETag: { description: 'Its revision, e.g. "2": If-Match of a decision takes it', schema: { type: 'string' } } },
  })
  @ApiProblems(400, ...TOKEN_PROBLEMS, { status: 404, description: 'No such correction for this client: `correction_not_found`' })
  get(
    @Client() client: AuthenticatedClient,
    @Param() params: CorrectionIdParamDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Correction {
    const correction = this.corrections.find(params.id, actor(client, request));
    void reply.header('etag', etagOf(correction));
    return correction;
  }

  @Post(':id/decision')
  @HttpCode(200)
  @UseGuards(ClientAuthGuard)
  @ApiOperation({ summary: 'The registry operator’s decision: accepted, rejected (with a reason) or applied (with the new record version)' })
  @ApiHeader({
    name: 'If-Match',
    required: false,
    description: 'The revision the decision is based on (the ETag of GET /v1/corrections/{id}, e.g. "2"); 412 precondition_failed when it moved since',
  })
  @ApiOkResponse({ description: 'The correction as it is now', headers: { ETag: { description: 'Its new revision', schema: { type: 'string' } } } })
  @ApiProblems(
    ...BODY_PROBLEMS,
    ...TOKEN_PROBLEMS,
    { status: 404, description: 'No such correction among those this client reviews: `correction_not_found`' },
    { status: 409, description: 'The correction’s state does not allow that move: `correction_state_conflict` (with `state`)' },
    {
      status: 412,
      description: 'If-Match names another revision than the current one (someone decided first): `precondition_failed` (with `currentRevision` and `state`)',
    },
    { status: 503, description: 'Nothing changed, retry after `Retry-After` seconds: `audit_unavailable`, `registry_events_unavailable`' },
  )
  async decide(
    @Client() client: AuthenticatedClient,
    @Param() params: CorrectionIdParamDto,
    @Body() body: CorrectionDecisionDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Correction> {
    const expected = expectedRevision(ifMatch);
    if (body.state === 'rejected' && !body.reason) {
      throw new InvalidRequestError(ErrorCodes.validation, 'a rejection needs a reason', [{ name: 'reason', reason: 'required when rejecting' }]);
    }
    if (body.state === 'applied' && !body.recordVersion) {
      throw new InvalidRequestError(ErrorCodes.validation, 'an applied correction needs the record version that holds it', [
        { name: 'recordVersion', reason: 'required when applied' },
      ]);
    }
    const correction = await this.corrections.decide(params.id, body, actor(client, request), expected);
    void reply.header('etag', etagOf(correction));
    return correction;
  }
}

function etagOf(correction: Correction): string {
  return `"${correctionRevision(correction)}"`;
}

/** If-Match `"2"` (or `W/"2"`, or `2`), as the procedure catalog takes it; `*` (any revision) is no condition. */
function expectedRevision(ifMatch: string | undefined): number | undefined {
  if (ifMatch === undefined || ifMatch.trim() === '*') return undefined;
  const match = /^\s*(?:W\/)?"?(\d{1,9})"?\s*$/.exec(ifMatch);
  if (!match) {
    throw new InvalidRequestError(ErrorCodes.validation, 'If-Match must be a correction revision such as "2"', [
      { name: 'If-Match', reason: 'not a revision' },
    ]);
  }
  return Number(match[1]);
}

function actor(client: AuthenticatedClient, request: FastifyRequest): CorrectionActor {
  return { clientId: client.clientId, communeCode: client.communeCode ?? null, requestId: request.id, reviews: reviewedRegistries(client.scopes) };
}
