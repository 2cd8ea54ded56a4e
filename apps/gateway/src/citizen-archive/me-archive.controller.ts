import { Body, Controller, Delete, Get, HttpCode, Param, Post, Req, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import type { CitizenPrincipal } from '@motlan/auth/citizen-token.js';
import { Citizen, CitizenAuthGuard } from '../access-log/citizen-auth.guard.js';
import { ApiProblems, BODY_PROBLEMS } from '../common/api-problems.decorator.js';
import { ArchiveItemIdParamDto, ArchiveListDto, CreateShareDto, ShareCreatedDto } from './citizen-archive.dto.js';
import { CitizenArchiveService } from './citizen-archive.service.js';

const CITIZEN_401 = {
  status: 401,
  description: 'No valid citizen token (a client token is refused too): `token_missing`, `token_invalid`, `token_expired`, `token_revoked`, ...',
} as const;
const UNAVAILABLE = { status: 503, description: 'Retry after `Retry-After` seconds: `archive_unavailable`, `jwks_unavailable`' } as const;
const ITEM_400 = { status: 400, description: '`validation_failed`: not an archive item id' } as const;
const ITEM_404 = { status: 404, description: '`archive_item_not_found`: your archive holds no item with this id' } as const;

/**
 * The citizen's own archive (a citizen token of the national e-identity): what the state issued
 * about them — evidence of registry lookups, electronic results of their dossiers — to see, share
 * with a commune instead of bringing the paper again, and delete. Only the token's citizen's items
 * are ever listed, shared or deleted.
 */
@ApiTags('citizen')
@ApiBearerAuth()
@Controller('v1/me/archive')
@UseGuards(CitizenAuthGuard)
export class MeArchiveController {
  constructor(private readonly archive: CitizenArchiveService) {}

  @Get()
  @ApiOperation({
    summary: 'My archive: evidence issued about me and results of my dossiers, newest first, each with its issuer, date, validity, status and shares',
    description:
      'Evidence is checked when listed: `expired` after its expiry, `revoked` when its signing key has been revoked. Items are deleted ' +
      'MOTLAN_ARCHIVE_RETENTION_DAYS (1825) days after they were archived, or when you delete them.',
  })
  @ApiOkResponse({ type: ArchiveListDto })
  @ApiProblems(CITIZEN_401, 429, UNAVAILABLE)
  async list(@Citizen() citizen: CitizenPrincipal): Promise<ArchiveListDto> {
    return { items: await this.archive.list(citizen.subjectId) };
  }

  @Post(':id/share')
  @ApiOperation({
    summary: "Share one item with one commune for one dossier, until a time: answers the reference the commune's clerk redeems",
    description:
      'The reference opens this item only to a client of that commune (token claim `commune`) sending X-Dossier-Id of that dossier, ' +
      'until validUntil (at most MOTLAN_ARCHIVE_SHARE_MAX_DAYS, 30 days); each redemption shows in your access log with the share id. ' +
      'Deleting the item withdraws its shares.',
  })
  @ApiParam({ name: 'id', type: String, example: 'arc_Zt2oQm0yY1lW3cT4nH9cXg' })
  @ApiCreatedResponse({ type: ShareCreatedDto })
  @ApiProblems(...BODY_PROBLEMS, CITIZEN_401, ITEM_404, 429, UNAVAILABLE)
  share(
    @Citizen() citizen: CitizenPrincipal,
    @Param() params: ArchiveItemIdParamDto,
    @Body() body: CreateShareDto,
    @Req() request: FastifyRequest,
  ): Promise<ShareCreatedDto> {
    return this.archive.share(citizen.subjectId, params.id, body, request.id);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete an item of my archive, and withdraw its shares (a reference redeemed afterwards is refused: share_invalid, withdrawn)' })
  @ApiParam({ name: 'id', type: String, example: 'arc_Zt2oQm0yY1lW3cT4nH9cXg' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiProblems(ITEM_400, CITIZEN_401, ITEM_404, 429, UNAVAILABLE)
  async delete(@Citizen() citizen: CitizenPrincipal, @Param() params: ArchiveItemIdParamDto, @Req() request: FastifyRequest): Promise<void> {
    await this.archive.delete(citizen.subjectId, params.id, request.id);
  }
}
