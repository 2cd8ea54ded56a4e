import { Controller, Get, Headers, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { dataQualityToCsv } from '@motlan/data-quality/data-quality-report.js';
import { VnAdminDirectory } from '@motlan/vn-admin/vn-admin-directory.js';
import type { AuthenticatedClient } from '../auth/authenticated-client.js';
import { Client } from '../auth/client-auth.guard.js';
import { RequireScope } from '../auth/require-scope.decorator.js';
import { ApiProblems, TOKEN_PROBLEMS } from '../common/api-problems.decorator.js';
import { resolveTerritoryScope } from '../auth/territory-scope.js';
import { checkedReportWindow, reportAnswer } from '../service-indicators/report-window.js';
import { DataQualityQueryDto } from './data-quality-query.dto.js';
import { DATA_QUALITY_RETENTION_DAYS, DATA_QUALITY_WINDOW_DAYS, DataQualityService, type DataQualityAnswer } from './data-quality.service.js';

/** Data-quality figures per registry and province (docs/data-quality.md). */
@ApiTags('ops')
@ApiBearerAuth()
@Controller('v1/ops/data-quality')
export class DataQualityController {
  constructor(
    private readonly dataQuality: DataQualityService,
    private readonly directory: VnAdminDirectory,
  ) {}

  @Get()
  @RequireScope('ops:read')
  @ApiOperation({
    summary: 'Data-quality figures (correct, sufficient, clean, live) per registry and province over a window',
    description:
      'Scoped like the service indicators: a `province` token reads its province, a `commune` token its commune, a national token any. CSV with `format=csv` or `Accept: text/csv`.',
  })
  @ApiOkResponse({
    description: 'The figures (JSON), or CSV rows per registry, province and total',
    content: { 'application/json': { schema: { type: 'object' } }, 'text/csv': { schema: { type: 'string' } } },
  })
  @ApiProblems(
    { status: 400, description: 'A malformed query, a day that does not exist, `from` after `to`, a window longer than the 90 days kept: `validation_failed`' },
    ...TOKEN_PROBLEMS,
    { status: 403, description: '`missing_scope` (ops:read), `scope_province_mismatch`, `scope_commune_mismatch`' },
    { status: 404, description: 'No province or commune with that code: `unknown_province`, `unknown_commune`' },
  )
  async report(
    @Query() query: DataQualityQueryDto,
    @Client() client: AuthenticatedClient,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<DataQualityAnswer | string> {
    const scope = resolveTerritoryScope(query, client, this.directory);
    const { from, to } = checkedReportWindow(query, {
      to: () => this.dataQuality.defaultWindow().to,
      days: DATA_QUALITY_WINDOW_DAYS,
      kept: DATA_QUALITY_RETENTION_DAYS,
    });
    const answer = await this.dataQuality.report(scope, from, to);
    return reportAnswer(reply, { format: query.format, accept }, { report: 'data-quality', scope, from, to }, answer, dataQualityToCsv);
  }
}
