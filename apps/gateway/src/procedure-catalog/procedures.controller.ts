import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Put, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ErrorCodes, InvalidRequestError } from '@motlan/errors/domain-error.js';
import type { AuthenticatedClient } from '../auth/authenticated-client.js';
import { Client } from '../auth/client-auth.guard.js';
import { RequireScope } from '../auth/require-scope.decorator.js';
import { ApiProblems, BODY_PROBLEMS, TOKEN_PROBLEMS } from '../common/api-problems.decorator.js';
import { ProcedureCatalogService, type ProcedureActor } from './procedure-catalog.service.js';
import {
  PROCEDURES_WRITE_SCOPE,
  ProcedureCodeParamDto,
  ProcedureEntryDto,
  ProcedureListDto,
  ProcedurePutDto,
  ProcedureRemovedDto,
  procedureOf,
} from './procedure-write.dto.js';

/** Scope to read the operator view of the catalog (versions, who changed what). */
export const PROCEDURES_READ_SCOPE = 'procedures:read';

/** The body: a member of the catalog file, whose schema is docs/procedures.md (class-validator checks it, libs/procedure-catalog/procedure-catalog-file.dto.ts). */
const PROCEDURE_BODY = {
  type: 'object' as const,
  required: ['code', 'name', 'access'],
  properties: {
    code: { type: 'string' as const, description: 'MaTTHC, N.NNNNNN: equal to the path' },
    name: { type: 'string' as const },
    access: {
      type: 'array' as const,
      items: { type: 'object' as const, additionalProperties: true },
      description: 'registry, dataset, fields, reason, legalBasis',
    },
    version: { type: 'integer' as const, minimum: 0, description: 'Like If-Match: the version the change is based on, 0 = must not exist yet' },
  },
  additionalProperties: true,
  description:
    'One procedure as in the catalog file (code, name, domain, codeVerified, note, access, subjects, form, components; docs/procedures.md), and optionally `version`, the version the change is based on',
  example: {
    code: '2.001417',
    name: 'Cấp Phiếu lý lịch tư pháp',
    access: [
      { registry: 'judicial-records', dataset: 'criminal-record', fields: ['hasConvictions', 'convictions'], legalBasis: 'Luật Lý lịch tư pháp 2009, Điều 7' },
    ],
    version: 1,
  },
};
const IF_MATCH = {
  name: 'If-Match',
  required: false,
  description: 'The version the change is based on, e.g. "3" ("0": must not exist yet); 409 procedure_version_conflict when another version is in force',
};
const WRITE_REFUSALS = { status: 403 as const, description: 'The token lacks `procedures:write`: `missing_scope` (with `requiredScope`)' };
const CONFLICTS = {
  status: 409 as const,
  description:
    'Nothing changed: `procedure_version_conflict` (If-Match or `version` is not the version in force; `currentVersion` says which is), `procedure_catalog_fixed` (MOTLAN_PROCEDURE_CATALOG names a fixed file)',
};
const UNAVAILABLE = {
  status: 503 as const,
  description:
    'Retry after `Retry-After` seconds: `procedure_catalog_unavailable` (the log cannot be written, or the change is not confirmed yet), `jwks_unavailable`',
};

/**
 * Operator API of the procedure catalog: run-time data, like the adapter catalog. Thin: the
 * ProcedureCatalogService checks, stores on the log, waits for the verdict and audits.
 */
@ApiTags('procedures')
@ApiBearerAuth()
@Controller('v1/procedures')
export class ProceduresController {
  constructor(private readonly procedures: ProcedureCatalogService) {}

  @Get()
  @RequireScope(PROCEDURES_READ_SCOPE)
  @ApiOperation({ summary: 'Every procedure with its version and last change (operators; one-stop software reads GET /v1/purposes)' })
  @ApiOkResponse({ type: ProcedureListDto })
  @ApiProblems(...TOKEN_PROBLEMS, { status: 403, description: 'The token lacks `procedures:read`: `missing_scope` (with `requiredScope`)' })
  list(): ProcedureListDto {
    return this.procedures.list();
  }

  @Put(':code')
  @RequireScope(PROCEDURES_WRITE_SCOPE)
  @ApiHeader(IF_MATCH)
  @ApiBody({ schema: PROCEDURE_BODY })
  @ApiOperation({
    summary: 'Create or replace a procedure: in force on this instance when answered, on every instance within seconds',
    description:
      'The body is one procedure as in the catalog file (docs/procedures.md), optionally with `version` (like If-Match). A registry it names ' +
      'needs no adapter yet: its lookups answer 503 registry_not_connected until one registers. Audited (`procedure_catalog`).',
  })
  @ApiOkResponse({ type: ProcedureEntryDto, description: 'The procedure as stored, with its new version (201 when created)' })
  @ApiProblems(
    {
      status: 400,
      description:
        'Invalid procedure: `validation_failed` (with `invalidParams`: JSON paths such as `access[0].registry`), `procedure_code_mismatch`, `malformed_body`, `body_too_deep`',
    },
    ...BODY_PROBLEMS,
    ...TOKEN_PROBLEMS,
    WRITE_REFUSALS,
    CONFLICTS,
    UNAVAILABLE,
  )
  async put(
    @Client() client: AuthenticatedClient,
    @Param() param: ProcedureCodeParamDto,
    @Body() body: ProcedurePutDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ProcedureEntryDto> {
    const expected = expectedVersion(ifMatch, body.version);
    const { view, created } = await this.procedures.put(param.code, procedureOf(body), expected, actor(client, request));
    void reply.status(created ? 201 : 200).header('etag', `"${view.version}"`);
    return view;
  }

  @Delete(':code')
  @HttpCode(200)
  @RequireScope(PROCEDURES_WRITE_SCOPE)
  @ApiHeader(IF_MATCH)
  @ApiOperation({ summary: 'Remove a procedure: its lookups answer 403 purpose_unknown from then on. Audited (`procedure_catalog`)' })
  @ApiOkResponse({ type: ProcedureRemovedDto })
  @ApiProblems(
    { status: 400, description: 'Invalid request: `validation_failed` (a code not of the form N.NNNNNN, a malformed If-Match)' },
    ...TOKEN_PROBLEMS,
    WRITE_REFUSALS,
    { status: 404, description: 'No procedure with that code: `procedure_not_found`' },
    CONFLICTS,
    UNAVAILABLE,
  )
  remove(
    @Client() client: AuthenticatedClient,
    @Param() param: ProcedureCodeParamDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Req() request: FastifyRequest,
  ): Promise<ProcedureRemovedDto> {
    return this.procedures.remove(param.code, expectedVersion(ifMatch, undefined), actor(client, request));
  }
}

function actor(client: AuthenticatedClient, request: FastifyRequest): ProcedureActor {
  return { clientId: client.clientId, requestId: request.id };
}

/** If-Match `"3"` (or `W/"3"`, or `3`), else the body's version; both must agree when both are sent. */
function expectedVersion(ifMatch: string | undefined, bodyVersion: number | undefined): number | undefined {
  if (ifMatch === undefined) return bodyVersion;
  const match = /^\s*(?:W\/)?"?(\d{1,10})"?\s*$/.exec(ifMatch);
  if (!match)
    throw new InvalidRequestError(ErrorCodes.validation, 'If-Match must be a procedure version such as "3"', [{ name: 'If-Match', reason: 'not a version' }]);
  const version = Number(match[1]);
  if (bodyVersion !== undefined && bodyVersion !== version) {
    throw new InvalidRequestError(ErrorCodes.validation, "If-Match and the body's version differ", [{ name: 'version', reason: 'differs from If-Match' }]);
  }
  return version;
}
