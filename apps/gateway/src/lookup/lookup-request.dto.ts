import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { ApiHideProperty } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import type { FastifyRequest } from 'fastify';
import { PURPOSE_PATTERN } from '@motlan/identifiers/subject-id.js';
import { validateFlatDto } from '../common/validation.js';
import { NAME } from './lookup.dto.js';

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

  /** Reference of the citizen's consent, needed to read a sensitive dataset without a legal basis in the catalog. */
  @IsOptional()
  @IsString()
  @Matches(/^[\w.\-/:]{1,128}$/, { message: 'X-Consent-Ref must be 1-128 characters of letters, digits, . _ - / :' })
  consentRef?: string;

  @ApiHideProperty()
  @IsString()
  requestId!: string;
}

const FIELD_LIST = /^[A-Za-z][A-Za-z0-9]{0,63}(,[A-Za-z][A-Za-z0-9]{0,63}){0,99}$/;

/**
 * Everything GET /v1/registries/{registry}/{dataset}/{subjectId} takes (path, query, headers) as
 * one DTO: validated in one pass on the hot path instead of three.
 */
export class SingleLookupRequestDto extends LookupHeadersDto {
  @Matches(NAME, { message: 'registry must be a lower-case name' })
  registry!: string;

  @Matches(NAME, { message: 'dataset must be a lower-case name' })
  dataset!: string;

  @IsString()
  @MaxLength(64)
  subjectId!: string;

  @IsOptional()
  @Matches(FIELD_LIST, { message: 'fields must be a comma-separated list of field names' })
  fields?: string;
}

export function headerValues(request: FastifyRequest): Record<string, string> {
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
  const consentRef = one('x-consent-ref');
  if (consentRef !== undefined && consentRef !== '') result.consentRef = consentRef;
  return result;
}

/** The lookup headers, validated as a LookupHeadersDto. */
export const LookupHeaders = createParamDecorator((_: unknown, context: ExecutionContext) =>
  validateFlatDto(LookupHeadersDto, headerValues(context.switchToHttp().getRequest<FastifyRequest>())),
);

/** Path, query and headers of a single lookup, validated as a SingleLookupRequestDto. */
export const SingleLookupRequest = createParamDecorator((_: unknown, context: ExecutionContext) => {
  const request = context.switchToHttp().getRequest<FastifyRequest>();
  const params = request.params as Record<string, string>;
  const query = request.query as Record<string, unknown>;
  // Added to the headers' object in place: spreading it into a new one cost about 3 µs per lookup
  // (a micro-benchmark of this decorator: 7 µs with the spread, under 1 µs without).
  const result: Record<string, unknown> = headerValues(request);
  result.registry = params.registry;
  result.dataset = params.dataset;
  result.subjectId = params.subjectId;
  if (query.fields !== undefined) result.fields = query.fields;
  // Unknown query parameters are refused like unknown body properties.
  for (const key in query) if (key !== 'fields') result[key] = query[key];
  return validateFlatDto(SingleLookupRequestDto, result);
});
