import { Controller, Get, Headers, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ErrorCodes, InvalidRequestError } from '@motlan/errors/domain-error.js';
import { reportToCsv } from '@motlan/service-indicators/indicator-report.js';
import { addDays, daysBetween, isVnDay } from '@motlan/service-indicators/vietnam-calendar.js';
import { VnAdminDirectory } from '@motlan/vn-admin/vn-admin-directory.js';
import type { AuthenticatedClient } from '../auth/authenticated-client.js';
import { Client } from '../auth/client-auth.guard.js';
import { RequireScope } from '../auth/require-scope.decorator.js';
import { ApiProblems, TOKEN_PROBLEMS } from '../common/api-problems.decorator.js';
import { SyncOpsService } from '../dossier-relay/sync-ops.service.js';
import { IndicatorsQueryDto } from './indicators-query.dto.js';
import { resolveTerritoryScope } from '../auth/territory-scope.js';
import { DEFAULT_WINDOW_DAYS, ServiceIndicatorsService, type IndicatorAnswer } from './service-indicators.service.js';

/** Service indicators and colours for the monitoring centres (docs/service-indicators.md). */
@ApiTags('ops')
@ApiBearerAuth()
@Controller('v1/ops/indicators')
export class ServiceIndicatorsController {
  constructor(
    private readonly indicators: ServiceIndicatorsService,
    private readonly syncOps: SyncOpsService,
    private readonly directory: VnAdminDirectory,
  ) {}

  @Get()
  @RequireScope('ops:read')
  @ApiOperation({
    summary: 'Service indicators and colours (GREEN / YELLOW / RED / SILENT) per province, or per commune of one province, over a window',
    description:
      'A token with a `province` claim reads only that province, one with a `commune` claim only that commune; a national token (neither claim) reads all. CSV with `format=csv` or `Accept: text/csv`.',
  })
  @ApiOkResponse({
    description: 'The report (JSON), or one CSV row per province or commune and period (UTF-8 with BOM, official Vietnamese names)',
    content: { 'application/json': { schema: { type: 'object' } }, 'text/csv': { schema: { type: 'string' } } },
  })
  @ApiProblems(
    { status: 400, description: 'A malformed query, a day that does not exist, `from` after `to`, a window longer than the retention: `validation_failed`' },
    ...TOKEN_PROBLEMS,
    {
      status: 403,
      description:
        '`missing_scope` (ops:read), `scope_province_mismatch` (a province token asking for another province or its communes), `scope_commune_mismatch` (a commune token asking for another commune)',
    },
    { status: 404, description: 'No province or commune with that code: `unknown_province`, `unknown_commune`' },
  )
  async report(
    @Query() query: IndicatorsQueryDto,
    @Client() client: AuthenticatedClient,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<IndicatorAnswer | string> {
    const scope = resolveTerritoryScope(query, client, this.directory);
    const { from, to } = this.window(query);
    const answer = await this.indicators.report(scope, from, to, query.granularity ?? 'total', (codes) => this.syncOps.relayHealth(codes));
    void reply.header('cache-control', 'no-store');
    const csv = query.format ? query.format === 'csv' : /\btext\/csv\b/i.test(accept ?? '');
    if (!csv) return answer;
    const name = scope.level === 'national' ? 'vn' : scope.level === 'province' ? scope.provinceCode : scope.communeCode;
    void reply.header('content-type', 'text/csv; charset=utf-8');
    void reply.header('content-disposition', `attachment; filename="motlan-indicators-${name}-${from}-${to}.csv"`);
    return reportToCsv(answer);
  }

  /** The window asked for, checked: real days, `from` not after `to`, no longer than the retention. */
  private window(query: IndicatorsQueryDto): { from: string; to: string } {
    const to = query.to ?? this.indicators.defaultWindow().to;
    if (!isVnDay(to)) throw new InvalidRequestError(ErrorCodes.validation, `to ${to} is not a day of the calendar`, [{ name: 'to', reason: 'no such day' }]);
    const from = query.from ?? addDays(to, -(DEFAULT_WINDOW_DAYS - 1));
    if (!isVnDay(from))
      throw new InvalidRequestError(ErrorCodes.validation, `from ${from} is not a day of the calendar`, [{ name: 'from', reason: 'no such day' }]);
    if (from > to) throw new InvalidRequestError(ErrorCodes.validation, 'from is after to', [{ name: 'from', reason: 'must not be after to' }]);
    const kept = this.indicators.retentionDays;
    if (daysBetween(from, to) + 1 > kept) {
      throw new InvalidRequestError(ErrorCodes.validation, `the window is longer than the ${kept} days kept`, [
        { name: 'from', reason: `at most ${kept} days before to` },
      ]);
    }
    return { from, to };
  }
}
