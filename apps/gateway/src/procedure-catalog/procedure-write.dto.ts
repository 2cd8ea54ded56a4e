import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { PURPOSE_PATTERN } from '@motlan/identifiers/subject-id.js';
import { ProcedureDto } from '@motlan/procedure-catalog/procedure-catalog-file.dto.js';

/** Scope of the procedure catalog's write operations. */
export const PROCEDURES_WRITE_SCOPE = 'procedures:write';

/** The procedure code in the path: N.NNNNNN. */
export class ProcedureCodeParamDto {
  @ApiProperty({ example: '2.001417' })
  @Matches(PURPOSE_PATTERN, { message: 'code must be a procedure code of the form N.NNNNNN' })
  code!: string;
}

/**
 * A procedure as written in the catalog file (libs/procedure-catalog/procedure-catalog-file.dto.ts, the
 * same validation), plus the version the operator read, for optimistic concurrency when the
 * request has no If-Match header.
 */
export class ProcedurePutDto extends ProcedureDto {
  @ApiPropertyOptional({
    description: 'The version this change is based on (as listed by GET /v1/procedures); 0 = the procedure must not exist yet. Same as If-Match',
    example: 3,
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1_000_000_000)
  version?: number;
}

/** Without the `version` member: what is stored. */
export function procedureOf(body: ProcedurePutDto): ProcedureDto {
  const { version: _version, ...procedure } = body;
  return procedure as ProcedureDto;
}

export class ProcedureEntryDto {
  @ApiProperty({ example: '2.001417' })
  code!: string;
  @ApiProperty({ example: 2, description: 'Grows by one with every change of this procedure (a removal counts too); If-Match takes it' })
  version!: number;
  @ApiProperty({ type: String, nullable: true, example: '2026-12-06T11:00:00.000Z' })
  updatedAt!: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'catalog-admin', description: 'Client of the last change; `seed` for the shipped catalog' })
  updatedBy!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The procedure as in the catalog file (docs/procedures.md)' })
  procedure!: object;
}

export class ProcedureListDto {
  @ApiProperty({ enum: ['log', 'file'], description: '`file`: MOTLAN_PROCEDURE_CATALOG names a fixed file and the catalog is read-only' })
  source!: 'log' | 'file';
  @ApiProperty({ example: 'motlan.procedures.v1' })
  location!: string;
  @ApiProperty({ example: '2026.12-1', description: 'Version label of the catalog file the catalog was seeded from' })
  catalogVersion!: string;
  @ApiProperty({ type: [ProcedureEntryDto] })
  procedures!: ProcedureEntryDto[];
}

export class ProcedureRemovedDto {
  @ApiProperty({ example: '2.001417' })
  code!: string;
  @ApiProperty({ example: 3, description: 'The version the removal took' })
  version!: number;
}
