import { Body, Controller, Get, HttpCode, Post, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOkResponse, ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Req } from '@nestjs/common';
import type { AuthenticatedClient } from '../auth/authenticated-client.js';
import { Client, ClientAuthGuard } from '../auth/client-auth.guard.js';
import { ApiProblems, BODY_PROBLEMS, TOKEN_PROBLEMS } from '../common/api-problems.decorator.js';
import { toProblem } from '../common/problem.filter.js';
import { LookupHeaders, LookupHeadersDto, SingleLookupRequest, SingleLookupRequestDto } from './lookup-request.dto.js';
import { LookupRefusalAuditFilter } from './lookup-refusal-audit.filter.js';
import { LookupService } from './lookup.service.js';
import { BatchLookupRequestDto, BatchLookupResponseDto, LookupAnswerDto } from './lookup.dto.js';

const LOOKUP_HEADERS = [
  {
    name: 'X-Purpose',
    required: true,
    description:
      'Procedure code N.NNNNNN the data is needed for (e.g. 1.004222); must be in the procedure catalog (GET /v1/purposes), which says what it may read',
  },
  { name: 'X-Officer-Id', required: true, description: 'Officer at the counter' },
  { name: 'X-Dossier-Id', required: false, description: 'Dossier the data goes into' },
  {
    name: 'X-Consent-Ref',
    required: false,
    description:
      "Id of the citizen's consent (cns_…, given with POST /v1/me/consents or by approving a POST /v1/consent-requests); required to read a dataset marked sensitive unless the procedure has a legal basis for it in the catalog, and checked: this citizen's, this procedure, dossier, commune and dataset, not expired nor taken back. Recorded in the audit trail",
  },
  { name: 'X-Request-Id', required: false, description: 'Echoed; generated when absent' },
];

/** What the procedure catalog enforces, as the lookup routes document it. */
const PURPOSE_RULES =
  'What may be read is set by the procedure catalog (GET /v1/purposes): the X-Purpose must be a listed procedure, the procedure must read ' +
  'the dataset, and every requested field must be among its fields; without `fields`, exactly the fields it may read are returned. ' +
  'The token needs the scope <registry>:read as well.';

const FORBIDDEN = {
  status: 403,
  description:
    'application/problem+json with `code`: `purpose_unknown` (X-Purpose not in the procedure catalog), `purpose_not_allowed` (the procedure ' +
    'does not read this registry dataset), `field_not_allowed` (requested fields outside the procedure; listed in `fields`, with ' +
    '`allowedFields`), `consent_required` (a sensitive dataset, no legal basis in the catalog and no X-Consent-Ref), `consent_invalid` (the consent does not allow this read; `reason`: unknown, other_subject, other_procedure, other_dossier, other_commune, dataset_not_covered, expired, revoked), `missing_scope` (token lacks <registry>:read; `requiredScope`)',
} as const;

/** Citizen-data lookups. Parses and authenticates; the LookupService does the work. */
@ApiTags('lookup')
@ApiBearerAuth()
@Controller('v1')
@UseGuards(ClientAuthGuard)
@UseFilters(LookupRefusalAuditFilter)
export class LookupController {
  constructor(private readonly lookups: LookupService) {}

  @Get('registries/:registry/:dataset/:subjectId')
  @ApiOperation({ summary: 'One record of a registry dataset, minimized to the requested fields, with signed evidence', description: PURPOSE_RULES })
  @ApiOkResponse({
    type: LookupAnswerDto,
    headers: { 'X-Cache': { description: 'HIT, MISS or STALE (as meta.cache)', schema: { type: 'string', enum: ['HIT', 'MISS', 'STALE'] } } },
  })
  @ApiProblems(
    {
      status: 400,
      description:
        'Invalid request: `validation_failed` (headers, `fields`; with `invalidParams`), `invalid_purpose`, `invalid_subject_id`, `unknown_registry`, `unknown_dataset`',
    },
    ...TOKEN_PROBLEMS,
    FORBIDDEN,
    { status: 404, description: 'The registry has no such record: `subject_not_found`' },
    {
      status: 503,
      description:
        'Nothing released, retry after `Retry-After` seconds: `registry_unavailable`, `registry_not_connected`, `registry_timeout`, `registry_busy`, `registry_circuit_open`, `audit_unavailable`, `consent_unavailable`, `jwks_unavailable`',
    },
  )
  @ApiHeaders()
  @ApiParam({ name: 'registry', type: String, example: 'population', description: 'Registry: population, residence, land, business, civil-status' })
  @ApiParam({ name: 'dataset', type: String, example: 'person', description: 'Dataset of the registry (see GET /v1/registries)' })
  @ApiParam({
    name: 'subjectId',
    type: String,
    example: '001099012345',
    description: 'Subject id in the dataset key format (12-digit CCCD, tax code, parcel id)',
  })
  @ApiQuery({
    name: 'fields',
    type: String,
    required: false,
    example: 'fullName,dateOfBirth',
    description: 'Comma-separated fields, each allowed by the X-Purpose; when absent, every field the purpose may read',
  })
  async lookup(
    @Client() client: AuthenticatedClient,
    @SingleLookupRequest() request: SingleLookupRequestDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<LookupAnswerDto> {
    const answer = await this.lookups.lookup(client, request, {
      registry: request.registry,
      dataset: request.dataset,
      subjectId: request.subjectId,
      fields: request.fields?.split(','),
    });
    void reply.header('x-cache', answer.meta.cache);
    return answer;
  }

  @Post('lookups')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Up to 50 lookups in one call; each item is answered or fails on its own',
    description: `${PURPOSE_RULES} Each item is checked on its own; a refused item carries its 403 problem in \`results\`.`,
  })
  @ApiOkResponse({ type: BatchLookupResponseDto })
  @ApiProblems(...BODY_PROBLEMS, ...TOKEN_PROBLEMS, {
    status: 503,
    description:
      'Nothing released, retry after `Retry-After` seconds: `audit_unavailable` (the trail cannot be written), `jwks_unavailable`; a registry that cannot answer fails its items only',
  })
  @ApiHeaders()
  async batch(
    @Client() client: AuthenticatedClient,
    @LookupHeaders() headers: LookupHeadersDto,
    @Body() body: BatchLookupRequestDto,
    @Req() request: FastifyRequest,
  ): Promise<BatchLookupResponseDto> {
    const results = await this.lookups.lookupBatch(client, headers, body.items);
    return {
      results: results.map((result) => {
        if (result.ok) return { status: 200, answer: result.answer };
        const { problem } = toProblem(result.error, request);
        return { status: problem.status, problem };
      }),
    };
  }
}

function ApiHeaders(): MethodDecorator {
  return (target, key, descriptor) => {
    for (const header of LOOKUP_HEADERS) ApiHeader(header)(target, key, descriptor);
  };
}
