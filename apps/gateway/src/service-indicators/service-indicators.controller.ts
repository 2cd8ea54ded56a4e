import { Controller, Get, Headers, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { reportToCsv } from '@motlan/service-indicators/indicator-report.js';
import { VnAdminDirectory } from '@motlan/vn-admin/vn-admin-directory.js';
import type { AuthenticatedClient } from '../auth/authenticated-client.js';
import { Client } from '../auth/client-auth.guard.js';
import { RequireScope } from '../auth/require-scope.decorator.js';
import { ApiProblems, TOKEN_PROBLEMS } from '../common/api-problems.decorator.js';
import { SyncOpsService } from '../dossier-relay/sync-ops.service.js';
import { IndicatorsQueryDto } from './indicators-query.dto.js';
import { resolveTerritoryScope } from '../auth/territory-scope.js';
import { checkedReportWindow, reportAnswer } from './report-window.js';
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
    const { from, to } = checkedReportWindow(query, {
      to: () => this.indicators.defaultWindow().to,
      days: DEFAULT_WINDOW_DAYS,
      kept: this.indicators.retentionDays,
    });
    const answer = await this.indicators.report(scope, from, to, query.granularity ?? 'total', (codes) => this.syncOps.relayHealth(codes));
    return reportAnswer(reply, { format: query.format, accept }, { report: 'indicators', scope, from, to }, answer, reportToCsv);
  }
}
