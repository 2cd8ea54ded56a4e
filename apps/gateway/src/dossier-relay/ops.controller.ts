import { Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ErrorCodes, InvalidRequestError, NotFoundError } from '@motlan/errors/domain-error.js';
import { RequireScope } from '../auth/require-scope.decorator.js';
import { ApiProblems, TOKEN_PROBLEMS } from '../common/api-problems.decorator.js';
import { SyncOpsService } from './sync-ops.service.js';

/** Operations API: sync lag of the consumer groups and GREEN / YELLOW / RED per province and commune. */
@ApiTags('ops')
@ApiBearerAuth()
@Controller('v1/ops/sync')
export class OpsController {
  constructor(private readonly ops: SyncOpsService) {}

  @Get('lag')
  @RequireScope('ops:read')
  @ApiOperation({ summary: 'Lag per consumer group and partition (offsets, time lag, OK/WARN/STALL/STOP, group OK/WARN/ERR) with recent history' })
  @ApiOkResponse({ description: 'Lag per consumer group and partition, with recent history' })
  @ApiProblems(...TOKEN_PROBLEMS, 403)
  lag(): Promise<object> {
    return this.ops.lag();
  }

  @Get('provinces')
  @RequireScope('ops:read')
  @ApiOperation({ summary: 'Per province: communes GREEN / YELLOW / RED, share of GREEN, received / delivered / pending / failed statuses' })
  @ApiOkResponse({ description: 'The provinces with their colour counts and figures' })
  @ApiProblems(...TOKEN_PROBLEMS, 403)
  provinces(): Promise<object> {
    return this.ops.provinces();
  }

  @Get('communes')
  @RequireScope('ops:read')
  @ApiQuery({ name: 'province', type: String, example: '01', description: '2-digit (2025) province code' })
  @ApiOperation({ summary: 'Per commune of one province: colour with the reasons, and its figures' })
  @ApiOkResponse({ description: 'The communes of the province with their colour, reasons and figures' })
  @ApiProblems({ status: 400, description: 'province is missing or not 2 digits: `validation_failed`' }, ...TOKEN_PROBLEMS, 403, {
    status: 404,
    description: 'No province with that code: `unknown_province`',
  })
  async communes(@Query('province') province: string | undefined): Promise<object> {
    if (typeof province !== 'string' || !/^\d{2}$/.test(province)) {
      throw new InvalidRequestError(ErrorCodes.validation, 'province must be a 2-digit province code', [{ name: 'province', reason: 'required, 2 digits' }]);
    }
    const view = await this.ops.communes(province);
    if (!view) throw new NotFoundError(ErrorCodes.unknownProvince, `no province with code ${province}`);
    return view;
  }

  @Post('dead-letters/replay')
  @HttpCode(200)
  @RequireScope('ops:write')
  @ApiOperation({ summary: 'Send every dead-lettered dossier status not replayed before back to the portal sync (once the cause is fixed)' })
  @ApiOkResponse({ description: '{ replayed }: how many statuses were sent again' })
  @ApiProblems(...TOKEN_PROBLEMS, 403)
  replay(): Promise<{ replayed: number }> {
    return this.ops.replayDeadLetters();
  }
}
