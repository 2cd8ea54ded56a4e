import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';

/** One refused parameter of a 400 problem. */
@ApiSchema({ name: 'InvalidParam' })
export class InvalidParamDto {
  @ApiProperty({ example: 'subjectId', description: 'Parameter, header or body member' })
  name!: string;
  @ApiProperty({ example: 'must be a 12-digit personal id' })
  reason!: string;
}

/**
 * The RFC 9457 problem document every refusal and failure is answered with
 * (`application/problem+json`), as the OpenAPI document's `Problem` component. Mirrors the
 * `Problem` interface of problem.ts, which is what the gateway sends.
 */
@ApiSchema({
  name: 'Problem',
  description:
    'RFC 9457 problem document. Key on `code` (stable, never renamed); `detail` is for humans. Some codes add members of their own ' +
    '(`requiredScope`, `fields`, `allowedFields`, `purpose`, `registry`, ...): read them when present, ignore the ones you do not know.',
})
export class ProblemDto {
  @ApiProperty({ format: 'uri', example: 'https://motlan.gov.vn/problems/purpose-unknown', description: 'URI naming the problem type (from `code`)' })
  type!: string;
  @ApiProperty({ example: 'Forbidden' })
  title!: string;
  @ApiProperty({ type: 'integer', example: 403, description: 'The HTTP status, repeated' })
  status!: number;
  @ApiProperty({ example: 'purpose_unknown', description: 'Stable machine code (README "Errors")' })
  code!: string;
  @ApiProperty({ example: 'X-Purpose 9.999999 is not a procedure of the catalog', description: 'For humans; never parse it' })
  detail!: string;
  @ApiPropertyOptional({ example: '/v1/registries/population/person/001099012345', description: 'Path of the refused request' })
  instance?: string;
  @ApiPropertyOptional({ example: 'req-7f3a', description: 'The X-Request-Id of the request, for support' })
  requestId?: string;
  @ApiPropertyOptional({ type: [InvalidParamDto], description: '400: the parameters refused and why' })
  invalidParams?: InvalidParamDto[];
}
