/**
 * The procedure catalog file as written by a deployer (deploy/catalog/procedures.v1.json): its
 * structure, checked with class-validator. Rules that need the whole file or the gateway (code
 * formats with their index, duplicates, registry names) are checked by the loader, which names
 * every offending JSON path.
 *
 * Format 1 is additive: later members of a procedure (its e-form `form`, its dossier `components`,
 * a `legalBasis` for sensitive datasets) are new optional members, so files written now stay valid.
 */
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, Equals, IsArray, IsBoolean, IsOptional, IsString, MaxLength, MinLength, ValidateNested } from 'class-validator';

/** What one procedure may read of one dataset. */
export class DatasetAccessDto {
  /** Registry name as the gateway knows it, e.g. "population". */
  @IsString()
  registry!: string;

  /** Dataset of that registry, e.g. "person". */
  @IsString()
  dataset!: string;

  /** Fields the procedure needs; the least data it can work with. */
  @IsArray()
  @ArrayMinSize(1, { message: 'fields must name at least one field' })
  @ArrayMaxSize(100)
  @IsString({ each: true })
  fields!: string[];

  /** Why the procedure needs this data (the dossier paper it replaces, the condition it checks). */
  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string;
}

/** One administrative procedure (thủ tục hành chính) of the national catalogue. */
export class ProcedureDto {
  /** MaTTHC, N.NNNNNN: what a lookup sends as X-Purpose. */
  @IsString()
  code!: string;

  /** Official Vietnamese name. */
  @IsString()
  @MinLength(1)
  @MaxLength(300)
  name!: string;

  /** Lĩnh vực: Cư trú, Hộ tịch, Đất đai, … */
  @IsOptional()
  @IsString()
  @MaxLength(100)
  domain?: string;

  /** False when the code has not been checked against the national catalogue yet (see `note`). */
  @IsOptional()
  @IsBoolean()
  codeVerified?: boolean;

  @IsOptional()
  @IsString()
  @MaxLength(500)
  note?: string;

  @IsArray()
  @ArrayMinSize(1, { message: 'access must list at least one dataset' })
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => DatasetAccessDto)
  access!: DatasetAccessDto[];
}

export class ProcedureCatalogFileDto {
  /** Format of this file; a gateway refuses a format it does not read. */
  @Equals(1, { message: 'format must be 1' })
  format!: number;

  /** Version of the catalog's content, e.g. "2026.11-1"; shown in GET /v1/purposes and refusals. */
  @IsString()
  @MinLength(1, { message: 'version is required' })
  @MaxLength(40)
  version!: string;

  @IsOptional()
  @IsString()
  @MaxLength(1000)
  description?: string;

  @IsArray()
  @ArrayMinSize(1, { message: 'procedures must list at least one procedure' })
  @ArrayMaxSize(5000)
  @ValidateNested({ each: true })
  @Type(() => ProcedureDto)
  procedures!: ProcedureDto[];
}
