import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SubscriptionService, type Subscription } from '@motlan/registry-events/subscription.service.js';
import type { AuthenticatedClient } from '../auth/authenticated-client.js';
import { Client } from '../auth/client-auth.guard.js';
import { RequireScope } from '../auth/require-scope.decorator.js';
import { ApiProblems, BODY_PROBLEMS, TOKEN_PROBLEMS } from '../common/api-problems.decorator.js';
import {
  SUBSCRIPTIONS_READ_SCOPE,
  SUBSCRIPTIONS_WRITE_SCOPE,
  SubscriptionIdParamDto,
  SubscriptionListQueryDto,
  SubscriptionRequestDto,
} from './subscription.dto.js';

/** Operator API of registry-to-registry subscriptions. Thin: SubscriptionService checks the legal basis, stores and audits. */
@ApiTags('subscriptions')
@ApiBearerAuth()
@Controller('v1/subscriptions')
export class SubscriptionsController {
  constructor(private readonly subscriptions: SubscriptionService) {}

  @Post()
  @RequireScope(SUBSCRIPTIONS_WRITE_SCOPE)
  @ApiOperation({ summary: 'Subscribe a registry to record events of another registry’s dataset, under a procedure’s legal basis' })
  @ApiCreatedResponse({ description: 'The subscription', headers: { Location: { description: 'Its URL', schema: { type: 'string' } } } })
  @ApiProblems(
    ...BODY_PROBLEMS,
    ...TOKEN_PROBLEMS,
    403,
    { status: 409, description: 'The subscriber subscribes to that dataset already: `subscription_exists` (with `subscriptionId`)' },
    {
      status: 422,
      description:
        '`legal_basis_missing` (the procedure is unknown, does not read the source dataset or its fields, or reads it without a legal basis; `invalidParams` names the member), `events_not_accepted` (the subscriber’s adapter does not take those events), `subscription_to_itself`',
    },
    { status: 503, description: 'Nothing changed, retry after `Retry-After` seconds: `registry_events_unavailable`, `jwks_unavailable`' },
  )
  async create(
    @Client() client: AuthenticatedClient,
    @Body() body: SubscriptionRequestDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Subscription> {
    const subscription = await this.subscriptions.create(body, { clientId: client.clientId, requestId: request.id });
    void reply.status(201).header('location', `/v1/subscriptions/${subscription.id}`);
    return subscription;
  }

  @Get()
  @RequireScope(SUBSCRIPTIONS_READ_SCOPE)
  @ApiOperation({ summary: 'The subscriptions, optionally of one subscriber or source registry' })
  @ApiOkResponse({ description: '{ subscriptions: [...] }, oldest first' })
  @ApiProblems(400, ...TOKEN_PROBLEMS, 403)
  list(@Query() query: SubscriptionListQueryDto): { subscriptions: Subscription[] } {
    return { subscriptions: this.subscriptions.list(query) };
  }

  @Get(':id')
  @RequireScope(SUBSCRIPTIONS_READ_SCOPE)
  @ApiOperation({ summary: 'One subscription' })
  @ApiOkResponse({ description: 'The subscription' })
  @ApiProblems(400, ...TOKEN_PROBLEMS, 403, { status: 404, description: 'No subscription with that id: `subscription_not_found`' })
  get(@Param() params: SubscriptionIdParamDto): Subscription {
    return this.subscriptions.get(params.id);
  }

  @Delete(':id')
  @HttpCode(200)
  @RequireScope(SUBSCRIPTIONS_WRITE_SCOPE)
  @ApiOperation({ summary: 'End a subscription: no event published after it is delivered under it' })
  @ApiOkResponse({ description: 'The subscription as it was' })
  @ApiProblems(
    400,
    ...TOKEN_PROBLEMS,
    403,
    { status: 404, description: 'No subscription with that id: `subscription_not_found`' },
    { status: 503, description: 'Nothing changed, retry after `Retry-After` seconds: `registry_events_unavailable`, `jwks_unavailable`' },
  )
  remove(@Client() client: AuthenticatedClient, @Param() params: SubscriptionIdParamDto, @Req() request: FastifyRequest): Promise<Subscription> {
    return this.subscriptions.remove(params.id, { clientId: client.clientId, requestId: request.id });
  }
}
