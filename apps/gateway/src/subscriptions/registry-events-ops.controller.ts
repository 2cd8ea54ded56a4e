import { Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { EventLog } from '@motlan/event-log/event-log.port.js';
import { replayRegistryDeliveries } from '@motlan/registry-events/registry-event-relay.js';
import type { AuthenticatedClient } from '../auth/authenticated-client.js';
import { Client } from '../auth/client-auth.guard.js';
import { RequireScope } from '../auth/require-scope.decorator.js';
import { requireNationalScope } from '../auth/territory-scope.js';
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
  @ApiOperation({
    summary: 'Send every dead-lettered registry delivery (record events, corrections) not replayed before back to the relay',
    description: 'National: a token with a `province` or `commune` claim is refused (403).',
  })
  @ApiOkResponse({ description: '{ replayed }: how many deliveries were sent again' })
  @ApiProblems(...TOKEN_PROBLEMS, {
    status: 403,
    description:
      '`missing_scope`; `scope_province_mismatch` / `scope_commune_mismatch`: the token is bound to a province or commune (claim `province` or `commune`), and this belongs to no province',
  })
  replay(@Client() client: AuthenticatedClient): Promise<{ replayed: number }> {
    requireNationalScope(client, 'the dead-letter replay');
    return replayRegistryDeliveries(this.log);
  }
}
