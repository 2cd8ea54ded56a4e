import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { adapterWriteRights } from '@motlan/adapter-catalog/adapter-write-rights.js';
import {
  AdapterCatalogService,
  type AdapterHealthView,
  type AdapterList,
  type AdapterView,
  type CatalogActor,
} from '@motlan/adapter-catalog/adapter-catalog.service.js';
import { ErrorCodes, NotFoundError } from '@motlan/errors/domain-error.js';
import type { AuthenticatedClient } from '../auth/authenticated-client.js';
import { Client } from '../auth/client-auth.guard.js';
import { ApiProblems, BODY_PROBLEMS, TOKEN_PROBLEMS } from '../common/api-problems.decorator.js';
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
  @ApiCreatedResponse({
    description: 'The adapter as registered (as GET /v1/adapters/{id} answers it)',
    headers: { Location: { description: 'Its URL', schema: { type: 'string' } } },
  })
  @ApiProblems(
    {
      status: 400,
      description:
        'Invalid manifest: `validation_failed` (with `invalidParams`), `adapter_id_mismatch`, `insecure_transport_not_allowed`, `adapter_endpoint_not_allowed`, `malformed_body`, `body_too_deep`',
    },
    ...BODY_PROBLEMS,
    ...TOKEN_PROBLEMS,
    {
      status: 403,
      description: 'Not allowed: `missing_scope` (with `requiredScope`), `registry_not_permitted` (no write right for that registry), `adapter_owner_mismatch`',
    },
    { status: 409, description: 'An adapter with that id exists: `adapter_exists`' },
    {
      status: 422,
      description:
        'The adapter fails its checks (its Describe is called first): `adapter_unreachable`, `adapter_contract_mismatch`, `adapter_registry_mismatch`, `adapter_dataset_mismatch`, `adapter_routing_conflict`, `tls_material_unreadable`, `tls_material_invalid`',
    },
    { status: 503, description: 'Nothing changed, retry after `Retry-After` seconds: `catalog_unavailable`, `jwks_unavailable`' },
  )
  async register(
    @Client() client: AuthenticatedClient,
    @Body() body: AdapterManifestDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AdapterView> {
    const view = await this.catalog.register(toManifest(body), actor(client, request));
    void reply.status(201).header('location', `/v1/adapters/${view.id}`);
    return view;
  }

  @Get()
  @RequireScope('adapters:read')
  @ApiOperation({ summary: 'Every adapter: catalog and configured ones, with their describe state and datasets' })
  @ApiOkResponse({ description: '{ adapters: [...] }, each as GET /v1/adapters/{id} answers it' })
  @ApiProblems(...TOKEN_PROBLEMS, 403)
  list(): AdapterList {
    return { adapters: this.catalog.list() };
  }

  @Get(':id')
  @RequireScope('adapters:read')
  @ApiParam({ name: 'id', example: 'population-hn-1' })
  @ApiOperation({ summary: 'One adapter' })
  @ApiOkResponse({ description: 'Its manifest, where it comes from (catalog or configuration), its describe state and datasets' })
  @ApiProblems(...TOKEN_PROBLEMS, 403, { status: 404, description: 'No adapter with that id: `adapter_not_found`' })
  get(@Param('id') id: string): AdapterView {
    return this.catalog.get(checkedId(id));
  }

  @Put(':id')
  @RequireAdapterWriteRight()
  @ApiParam({ name: 'id', example: 'population-hn-1' })
  @ApiOperation({ summary: 'Switch an adapter to a new endpoint or settings: checked first, then swapped without dropping requests in flight' })
  @ApiOkResponse({ description: 'The adapter as switched (as GET /v1/adapters/{id} answers it)' })
  @ApiProblems(
    {
      status: 400,
      description:
        'Invalid manifest: `validation_failed` (with `invalidParams`), `adapter_id_mismatch`, `insecure_transport_not_allowed`, `adapter_endpoint_not_allowed`, `malformed_body`, `body_too_deep`',
    },
    ...BODY_PROBLEMS,
    ...TOKEN_PROBLEMS,
    {
      status: 403,
      description: 'Not allowed: `missing_scope` (with `requiredScope`), `registry_not_permitted` (no write right for that registry), `adapter_owner_mismatch`',
    },
    { status: 404, description: 'No adapter with that id: `adapter_not_found`' },
    { status: 409, description: 'The adapter is configured, not in the catalog: `adapter_managed_by_config`' },
    {
      status: 422,
      description:
        'The adapter fails its checks (its Describe is called first): `adapter_unreachable`, `adapter_contract_mismatch`, `adapter_registry_mismatch`, `adapter_dataset_mismatch`, `adapter_routing_conflict`, `tls_material_unreadable`, `tls_material_invalid`',
    },
    { status: 503, description: 'Nothing changed, retry after `Retry-After` seconds: `catalog_unavailable`, `jwks_unavailable`' },
  )
  update(
    @Client() client: AuthenticatedClient,
    @Param('id') id: string,
    @Body() body: AdapterManifestDto,
    @Req() request: FastifyRequest,
  ): Promise<AdapterView> {
    return this.catalog.update(checkedId(id), toManifest(body), actor(client, request));
  }

  @Delete(':id')
  @HttpCode(200)
  @RequireAdapterWriteRight()
  @ApiParam({ name: 'id', example: 'population-hn-1' })
  @ApiOperation({ summary: 'Remove an adapter: out of routing at once, answered once its calls in flight have ended' })
  @ApiOkResponse({ description: '{ id, drained, waitedMs }: drained is false when calls were still in flight at the drain deadline' })
  @ApiProblems(
    ...TOKEN_PROBLEMS,
    {
      status: 403,
      description: 'Not allowed: `missing_scope` (with `requiredScope`), `registry_not_permitted` (no write right for that registry), `adapter_owner_mismatch`',
    },
    { status: 404, description: 'No adapter with that id: `adapter_not_found`' },
    { status: 409, description: 'The adapter is configured, not in the catalog: `adapter_managed_by_config`' },
    { status: 503, description: 'Nothing changed, retry after `Retry-After` seconds: `catalog_unavailable`, `jwks_unavailable`' },
  )
  remove(
    @Client() client: AuthenticatedClient,
    @Param('id') id: string,
    @Req() request: FastifyRequest,
  ): Promise<{ id: string; drained: boolean; waitedMs: number }> {
    return this.catalog.remove(checkedId(id), actor(client, request));
  }

  @Get(':id/health')
  @RequireScope('adapters:read')
  @ApiParam({ name: 'id', example: 'population-hn-1' })
  @ApiOperation({ summary: 'gRPC health, breaker state, and recent latency and error figures of one adapter' })
  @ApiOkResponse({ description: 'Health, breaker and figures of the adapter' })
  @ApiProblems(...TOKEN_PROBLEMS, 403, { status: 404, description: 'No adapter with that id: `adapter_not_found`' })
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
