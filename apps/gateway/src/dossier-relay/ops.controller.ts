import { Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ErrorCodes, InvalidRequestError, NotFoundError } from '@motlan/errors/domain-error.js';
import { VnAdminDirectory } from '@motlan/vn-admin/vn-admin-directory.js';
import type { AuthenticatedClient } from '../auth/authenticated-client.js';
import { Client } from '../auth/client-auth.guard.js';
import { RequireScope } from '../auth/require-scope.decorator.js';
import { requireNationalScope, resolveTerritoryScope } from '../auth/territory-scope.js';
import { ApiProblems, TOKEN_PROBLEMS } from '../common/api-problems.decorator.js';
import { SyncOpsService } from './sync-ops.service.js';

/** The 403 answers of the routes that belong to no province (docs/service-indicators.md, "Who reads what on /v1/ops"). */
const NATIONAL_ONLY_403 = {
  status: 403,
  description:
    '`missing_scope`; `scope_province_mismatch` / `scope_commune_mismatch`: the token is bound to a province or commune (claim `province` or `commune`), and this belongs to no province',
} as const;

/** A 2-digit province code from the query, or a 400 naming it. */
function provinceParam(value: unknown, required: boolean): string | undefined {
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'string' || !/^\d{2}$/.test(value)) {
    throw new InvalidRequestError(ErrorCodes.validation, 'province must be a 2-digit province code', [
      { name: 'province', reason: required ? 'required, 2 digits' : '2 digits' },
    ]);
  }
  return value;
}

/**
 * Operations API: sync lag of the consumer groups and GREEN / YELLOW / RED per province and commune.
 * The figures per province and commune are scoped like the service indicators (auth/territory-scope.ts):
 * a national token reads all, a `province` token its province, a `commune` token its commune; the lag
 * and the dead-letter replay belong to no province and are for national tokens only.
 */
@ApiTags('ops')
@ApiBearerAuth()
@Controller('v1/ops/sync')
export class OpsController {
  constructor(
    private readonly ops: SyncOpsService,
    private readonly directory: VnAdminDirectory,
  ) {}

  @Get('lag')
  @RequireScope('ops:read')
  @ApiOperation({
    summary: 'Lag per consumer group and partition (offsets, time lag, OK/WARN/STALL/STOP, group OK/WARN/ERR) with recent history',
    description: 'The relay infrastructure, national: a token with a `province` or `commune` claim is refused (403).',
  })
  @ApiOkResponse({ description: 'Lag per consumer group and partition, with recent history' })
  @ApiProblems(...TOKEN_PROBLEMS, NATIONAL_ONLY_403)
  lag(@Client() client: AuthenticatedClient): Promise<object> {
    requireNationalScope(client, 'consumer-group lag');
    return this.ops.lag();
  }

  @Get('provinces')
  @RequireScope('ops:read')
  @ApiQuery({ name: 'province', type: String, required: false, example: '79', description: '2-digit (2025) province code: only that province' })
  @ApiOperation({
    summary: 'Per province: communes GREEN / YELLOW / RED, share of GREEN, received / delivered / pending / failed statuses',
    description:
      'A national token reads the 34 provinces (or the one `province` names); a token with a `province` claim its province only, one with a `commune` claim its commune only (its province row holds that commune alone). The totals count what is listed; `scope` says what that is.',
  })
  @ApiOkResponse({ description: 'The provinces in scope with their colour counts and figures' })
  @ApiProblems(
    { status: 400, description: 'province is not 2 digits: `validation_failed`' },
    ...TOKEN_PROBLEMS,
    {
      status: 403,
      description: '`missing_scope` (ops:read), `scope_province_mismatch` (a province or commune token asking for another province)',
    },
    { status: 404, description: 'No province with that code: `unknown_province`' },
  )
  provinces(@Query('province') province: unknown, @Client() client: AuthenticatedClient): Promise<object> {
    const scope = resolveTerritoryScope({ province: provinceParam(province, false) }, client, this.directory);
    return this.ops.provinces(scope);
  }

  @Get('communes')
  @RequireScope('ops:read')
  @ApiQuery({ name: 'province', type: String, example: '01', description: '2-digit (2025) province code' })
  @ApiOperation({
    summary: 'Per commune of one province: colour with the reasons, and its figures',
    description:
      'A token with a `province` claim reads its own province only, one with a `commune` claim its own commune only (the list holds that commune alone); a national token any province.',
  })
  @ApiOkResponse({ description: 'The communes of the province in scope with their colour, reasons and figures' })
  @ApiProblems(
    { status: 400, description: 'province is missing or not 2 digits: `validation_failed`' },
    ...TOKEN_PROBLEMS,
    {
      status: 403,
      description: '`missing_scope` (ops:read), `scope_province_mismatch` (a province or commune token asking for another province)',
    },
    { status: 404, description: 'No province with that code: `unknown_province`' },
  )
  async communes(@Query('province') province: unknown, @Client() client: AuthenticatedClient): Promise<object> {
    const asked = provinceParam(province, true);
    const scope = resolveTerritoryScope({ province: asked }, client, this.directory);
    // A province query always resolves to a province or commune scope; national is never the answer here.
    const view = scope.level === 'national' ? undefined : await this.ops.communes(scope);
    if (!view) throw new NotFoundError(ErrorCodes.unknownProvince, `no province with code ${asked}`);
    return view;
  }

  @Post('dead-letters/replay')
  @HttpCode(200)
  @RequireScope('ops:write')
  @ApiOperation({
    summary: 'Send every dead-lettered dossier status not replayed before back to the portal sync (once the cause is fixed)',
    description: "Replays the whole topic, every province's statuses: a token with a `province` or `commune` claim is refused (403).",
  })
  @ApiOkResponse({ description: '{ replayed }: how many statuses were sent again' })
  @ApiProblems(...TOKEN_PROBLEMS, NATIONAL_ONLY_403)
  replay(@Client() client: AuthenticatedClient): Promise<{ replayed: number }> {
    requireNationalScope(client, 'the dead-letter replay');
    return this.ops.replayDeadLetters();
  }
}
