import { Body, Controller, Get, HttpCode, Param, Post, Query, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Req } from '@nestjs/common';
import type { AuthenticatedClient } from '../auth/authenticated-client.js';
import { Client, ClientAuthGuard } from '../auth/client-auth.guard.js';
import { toProblem } from '../common/problem.filter.js';
import { LookupHeaders, LookupHeadersDto } from './lookup-headers.dto.js';
import { LookupRefusalAuditFilter } from './lookup-refusal-audit.filter.js';
import { LookupService } from './lookup.service.js';
import {
  BatchLookupRequestDto,
  BatchLookupResponseDto,
  LookupAnswerDto,
  LookupPathDto,
  LookupQueryDto,
} from './lookup.dto.js';

const LOOKUP_HEADERS = [
  { name: 'X-Purpose', required: true, description: 'Procedure code N.NNNNNN the data is needed for (e.g. 1.004222)' },
  { name: 'X-Officer-Id', required: true, description: 'Officer at the counter' },
  { name: 'X-Dossier-Id', required: false, description: 'Dossier the data goes into' },
  { name: 'X-Request-Id', required: false, description: 'Echoed; generated when absent' },
];

/** Citizen-data lookups. Parses and authenticates; the LookupService does the work. */
@ApiTags('lookup')
@ApiBearerAuth()
@Controller('v1')
@UseGuards(ClientAuthGuard)
@UseFilters(LookupRefusalAuditFilter)
export class LookupController {
  constructor(private readonly lookups: LookupService) {}

  @Get('registries/:registry/:dataset/:subjectId')
  @ApiOperation({ summary: 'One record of a registry dataset, minimized to the requested fields, with signed evidence' })
  @ApiOkResponse({ type: LookupAnswerDto, headers: { 'X-Cache': { description: 'HIT, MISS or STALE' } } })
  @ApiHeaders()
  async lookup(
    @Client() client: AuthenticatedClient,
    @LookupHeaders() headers: LookupHeadersDto,
    @Param() path: LookupPathDto,
    @Query() query: LookupQueryDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<LookupAnswerDto> {
    const answer = await this.lookups.lookup(client, headers, {
      registry: path.registry,
      dataset: path.dataset,
      subjectId: path.subjectId,
      fields: query.fields?.split(','),
    });
    void reply.header('x-cache', answer.meta.cache);
    return answer;
  }

  @Post('lookups')
  @HttpCode(200)
  @ApiOperation({ summary: 'Up to 50 lookups in one call; each item is answered or fails on its own' })
  @ApiOkResponse({ type: BatchLookupResponseDto })
  @ApiHeaders()
  async batch(
    @Client() client: AuthenticatedClient,
    @LookupHeaders() headers: LookupHeadersDto,
    @Body() body: BatchLookupRequestDto,
    @Req() request: FastifyRequest,
  ): Promise<BatchLookupResponseDto> {
    const results = await this.lookups.lookupBatch(client, headers, body.items);
    return {
      results: results.map((result) => {
        if (result.ok) return { status: 200, answer: result.answer };
        const { problem } = toProblem(result.error, request);
        return { status: problem.status, problem };
      }),
    };
  }
}

function ApiHeaders(): MethodDecorator {
  return (target, key, descriptor) => {
    for (const header of LOOKUP_HEADERS) ApiHeader(header)(target, key, descriptor);
  };
}
