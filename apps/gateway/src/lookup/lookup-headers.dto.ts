import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { ApiHideProperty } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import type { FastifyRequest } from 'fastify';
import { PURPOSE_PATTERN } from '@motlan/identifiers/subject-id.js';

/**
 * The headers every lookup must carry: why (procedure code), who at the counter (officer), for
 * which dossier. Validated by the global ValidationPipe like a body.
 */
export class LookupHeadersDto {
  @Matches(PURPOSE_PATTERN, { message: 'X-Purpose must be a procedure code of the form N.NNNNNN (e.g. 1.004222)' })
  purpose!: string;

  @IsString({ message: 'X-Officer-Id is required' })
  @Matches(/^[\w.@:-]{1,64}$/, { message: 'X-Officer-Id must be 1-64 characters of letters, digits, . _ - @ :' })
  officerId!: string;

  @IsOptional()
  @IsString()
  @MaxLength(64)
  @Matches(/^[\w.\-/:]{1,64}$/, { message: 'X-Dossier-Id must be 1-64 characters of letters, digits, . _ - / :' })
  dossierId?: string;

  @ApiHideProperty()
  @IsString()
  requestId!: string;
}

/** Extracts the lookup headers into a LookupHeadersDto-shaped object (validated afterwards). */
export const LookupHeaders = createParamDecorator((_: unknown, context: ExecutionContext) => {
  const request = context.switchToHttp().getRequest<FastifyRequest>();
  const headers = request.headers;
  const one = (name: string): string | undefined => {
    const value = headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const result: Record<string, string> = { requestId: request.id };
  const purpose = one('x-purpose');
  const officerId = one('x-officer-id');
  const dossierId = one('x-dossier-id');
  if (purpose !== undefined) result.purpose = purpose;
  if (officerId !== undefined) result.officerId = officerId;
  if (dossierId !== undefined && dossierId !== '') result.dossierId = dossierId;
  return result;
});
