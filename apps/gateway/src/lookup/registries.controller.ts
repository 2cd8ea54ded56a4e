import { Controller, Get, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdapterPool } from '@motlan/registry-client/adapter-pool.js';
import { ClientAuthGuard } from '../auth/client-auth.guard.js';
import { ApiProblems, TOKEN_PROBLEMS } from '../common/api-problems.decorator.js';

/** What can be looked up: registries, their datasets, key formats and fields (from Describe). */
@ApiTags('lookup')
@ApiBearerAuth()
@Controller('v1/registries')
@UseGuards(ClientAuthGuard)
export class RegistriesController {
  constructor(private readonly pool: AdapterPool) {}

  @Get()
  @ApiOperation({ summary: 'Registries, their state and datasets (subject key format, fields, max age, sensitivity)' })
  @ApiOkResponse({
    description: '{ registries: [{ registry, state, reason, adapters, datasets: [{ name, description, subjectKey, maxAgeSeconds, sensitivity, fields }] }] }',
  })
  @ApiProblems(...TOKEN_PROBLEMS)
  list(): object {
    return {
      registries: this.pool.snapshot().map((s) => ({
        registry: s.registry,
        state: s.state,
        reason: s.reason,
        adapters: s.adapters,
        datasets: s.datasets.map((d) => ({
          name: d.name,
          description: d.description,
          subjectKey: d.subjectKey,
          maxAgeSeconds: d.maxAgeSeconds,
          sensitivity: d.sensitivity,
          fields: d.fields,
        })),
      })),
    };
  }
}
