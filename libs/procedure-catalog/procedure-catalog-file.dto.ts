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
import {
  ArrayMaxSize,
  ArrayMinSize,
  Equals,
  IsArray,
  IsBoolean,
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  MaxLength,
  MinLength,
  ValidateNested,
} from 'class-validator';

/**
 * A list whose items are objects validated as `type()`: the three decorators every nested list of
 * the catalog carries, applied in the same order (an item that is not an object is refused by
 * name, before its members are checked).
 */
function NestedObjects(type: () => new () => object): PropertyDecorator {
  const decorators = [IsObject({ each: true, message: '$property must list objects' }), ValidateNested({ each: true }), Type(type)];
  return (target, property) => {
    // Applied bottom-up, as stacked decorators are.
    for (const decorate of [...decorators].reverse()) decorate(target, property);
  };
}

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

  /**
   * The law that lets this procedure read this dataset without the citizen's consent. A dataset its
   * adapter marks sensitive is read only with a consent reference (X-Consent-Ref) unless it is set.
   */
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(300)
  legalBasis?: string;
}

/** One person (or parcel, enterprise) a procedure is about, named by role in a prefill request. */
export class SubjectRoleDto {
  /** Role name as a prefill request's `subjects` key: applicant, father, mother, child, spouse, parcel, … */
  @IsString()
  role!: string;

  /** Vietnamese label for the clerk: Người yêu cầu, Cha, Mẹ, … */
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  label!: string;

  /** A prefill request must name it; an optional subject's fields are reported missing when absent. */
  @IsOptional()
  @IsBoolean()
  required?: boolean;
}

/**
 * A relation followed on the way to a record: read `registry`/`dataset` for the current subject
 * and take the id at `field` (a dotted path, e.g. `head.personId`) as the next subject.
 */
export class RelationHopDto {
  @IsString()
  registry!: string;

  @IsString()
  dataset!: string;

  @IsString()
  field!: string;
}

/** Where a value comes from: a subject's record, possibly through relations (the household head, a parent). */
export class RecordSourceDto {
  /** Role of the subject the path starts from. */
  @IsString()
  subject!: string;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(3)
  @NestedObjects(() => RelationHopDto)
  via?: RelationHopDto[];

  @IsString()
  registry!: string;

  @IsString()
  dataset!: string;
}

export const FORM_FIELD_TYPES = ['string', 'date', 'number', 'boolean', 'object', 'list'] as const;

/** Where one e-form field's value comes from. */
export class FieldSourceDto extends RecordSourceDto {
  /** Dotted path in the record, e.g. `fullName` or `permanentAddress.communeName`. */
  @IsString()
  field!: string;
}

/** One field of a procedure's interactive e-form. */
export class FormFieldDto {
  /** Field name in the e-form, e.g. `applicant.fullName`. */
  @IsString()
  name!: string;

  /** Label as printed on the form, in Vietnamese. */
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  label!: string;

  @IsIn(FORM_FIELD_TYPES, { message: `type must be one of ${FORM_FIELD_TYPES.join(', ')}` })
  type!: (typeof FORM_FIELD_TYPES)[number];

  @ValidateNested()
  @Type(() => FieldSourceDto)
  source!: FieldSourceDto;
}

/** The data that replaces a dossier component: these fields of one record, signed as evidence. */
export class ComponentSourceDto extends RecordSourceDto {
  @IsArray()
  @ArrayMinSize(1, { message: 'fields must name at least one field' })
  @ArrayMaxSize(100)
  @IsString({ each: true })
  fields!: string[];
}

/** A dossier component (thành phần hồ sơ, giấy tờ) the registries' data replaces. */
export class DossierComponentDto {
  /** Stable code, e.g. `CCCD`, `CT07`, `GKS`. */
  @IsString()
  code!: string;

  /** Name of the paper, in Vietnamese. */
  @IsString()
  @MinLength(1)
  @MaxLength(300)
  name!: string;

  @ValidateNested()
  @Type(() => ComponentSourceDto)
  replacedBy!: ComponentSourceDto;
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
  @NestedObjects(() => DatasetAccessDto)
  access!: DatasetAccessDto[];

  /** Who the procedure is about, by role (prefill requests name them). Needed when `form` or `components` is. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10)
  @NestedObjects(() => SubjectRoleDto)
  subjects?: SubjectRoleDto[];

  /** The e-form (tờ khai) and where each field comes from. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(200)
  @NestedObjects(() => FormFieldDto)
  form?: FormFieldDto[];

  /** Dossier components the registries' data replaces. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @NestedObjects(() => DossierComponentDto)
  components?: DossierComponentDto[];
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
