import { Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { EventLog } from '@motlan/event-log/event-log.port.js';
import { replayRegistryDeliveries } from '@motlan/registry-events/registry-event-relay.js';
import { RequireScope } from '../auth/require-scope.decorator.js';
import { ApiProblems, TOKEN_PROBLEMS } from '../common/api-problems.decorator.js';

/** Operations on the registry-event relay: the replay of its dead letters. */
@ApiTags('ops')
@ApiBearerAuth()
@Controller('v1/ops/registry-events')
export class RegistryEventsOpsController {
  constructor(private readonly log: EventLog) {}

  @Post('dead-letters/replay')
  @HttpCode(200)
  @RequireScope('ops:write')
  @ApiOperation({ summary: 'Send every dead-lettered registry delivery (record events, corrections) not replayed before back to the relay' })
  @ApiOkResponse({ description: '{ replayed }: how many deliveries were sent again' })
  @ApiProblems(...TOKEN_PROBLEMS, 403)
  replay(): Promise<{ replayed: number }> {
    return replayRegistryDeliveries(this.log);
  }
}
