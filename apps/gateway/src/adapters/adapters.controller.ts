import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { adapterWriteRights } from '@motlan/adapter-catalog/adapter-write-rights.js';
import { AdapterCatalogService, type AdapterHealthView, type AdapterView, type CatalogActor } from '@motlan/adapter-catalog/adapter-catalog.service.js';
import { ErrorCodes, NotFoundError } from '@motlan/errors/domain-error.js';
import type { AuthenticatedClient } from '../auth/authenticated-client.js';
import { Client } from '../auth/client-auth.guard.js';
import { RequireScope } from '../auth/require-scope.decorator.js';
import { ADAPTER_ID, AdapterManifestDto, toManifest } from './adapter-manifest.dto.js';
import { RequireAdapterWriteRight } from './adapter-write.guard.js';

/** Operator API of the adapter catalog. Thin: the AdapterCatalogService checks, stores, applies and audits. */
@ApiTags('adapters')
@ApiBearerAuth()
@Controller('v1/adapters')
export class AdaptersController {
  constructor(private readonly catalog: AdapterCatalogService) {}

  @Post()
  @RequireAdapterWriteRight()
  @ApiOperation({ summary: 'Register an adapter: the gateway calls its Describe first and refuses (422) an unreachable or incompatible one' })
  async register(@Client() client: AuthenticatedClient, @Body() body: AdapterManifestDto, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<AdapterView> {
    const view = await this.catalog.register(toManifest(body), actor(client, request));
    void reply.status(201).header('location', `/v1/adapters/${view.id}`);
    return view;
  }

  @Get()
  @RequireScope('adapters:read')
  @ApiOperation({ summary: 'Every adapter: catalog and configured ones, with their describe state and datasets' })
  list(): { adapters: AdapterView[] } {
    return { adapters: this.catalog.list() };
  }

  @Get(':id')
  @RequireScope('adapters:read')
  @ApiParam({ name: 'id', example: 'population-hn-1' })
  @ApiOperation({ summary: 'One adapter' })
  get(@Param('id') id: string): AdapterView {
    return this.catalog.get(checkedId(id));
  }

  @Put(':id')
  @RequireAdapterWriteRight()
  @ApiParam({ name: 'id', example: 'population-hn-1' })
  @ApiOperation({ summary: 'Switch an adapter to a new endpoint or settings: checked first, then swapped without dropping requests in flight' })
  update(@Client() client: AuthenticatedClient, @Param('id') id: string, @Body() body: AdapterManifestDto, @Req() request: FastifyRequest): Promise<AdapterView> {
    return this.catalog.update(checkedId(id), toManifest(body), actor(client, request));
  }

  @Delete(':id')
  @HttpCode(200)
  @RequireAdapterWriteRight()
  @ApiParam({ name: 'id', example: 'population-hn-1' })
  @ApiOperation({ summary: 'Remove an adapter: out of routing at once, answered once its calls in flight have ended' })
  remove(@Client() client: AuthenticatedClient, @Param('id') id: string, @Req() request: FastifyRequest): Promise<{ id: string; drained: boolean; waitedMs: number }> {
    return this.catalog.remove(checkedId(id), actor(client, request));
  }

  @Get(':id/health')
  @RequireScope('adapters:read')
  @ApiParam({ name: 'id', example: 'population-hn-1' })
  @ApiOperation({ summary: 'gRPC health, breaker state, and recent latency and error figures of one adapter' })
  health(@Param('id') id: string): Promise<AdapterHealthView> {
    return this.catalog.health(checkedId(id));
  }
}

function actor(client: AuthenticatedClient, request: FastifyRequest): CatalogActor {
  return { clientId: client.clientId, requestId: request.id, rights: adapterWriteRights(client.scopes) };
}

/** Ids that could never have been registered are answered 404 without echoing odd input. */
function checkedId(id: string): string {
  if (!ADAPTER_ID.test(id)) throw new NotFoundError(ErrorCodes.adapterNotFound, 'no adapter with that id (ids are lower-case letters, digits and dashes)');
  return id;
}
