import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsObject, Matches } from 'class-validator';
import { PURPOSE_PATTERN } from '@motlan/identifiers/subject-id.js';

export class PrefillRequestDto {
  @ApiProperty({ example: '1.004222', description: 'Procedure code (MaTTHC) whose e-form to fill; it is also the purpose of every read' })
  @Matches(PURPOSE_PATTERN, { message: 'procedureCode must be a procedure code of the form N.NNNNNN (e.g. 1.004222)' })
  procedureCode!: string;

  @ApiProperty({
    example: { applicant: '001099012345', parcel: '00004-012-00345' },
    description: "Subject ids by role, as the procedure's `subjects` in GET /v1/purposes name them",
    type: 'object',
    additionalProperties: { type: 'string' },
  })
  @IsObject({ message: 'subjects must be an object of role -> subject id' })
  subjects!: Record<string, string>;
}

export class RelationStepDto {
  @ApiProperty({ example: 'residence' })
  registry!: string;
  @ApiProperty({ example: 'household' })
  dataset!: string;
  @ApiProperty({ example: 'head.personId' })
  field!: string;
  @ApiProperty({ description: 'The id the relation led to' })
  subjectId!: string;
}

export class ProvenanceDto {
  @ApiProperty({ example: 'population' })
  registry!: string;
  @ApiProperty({ example: 'person' })
  dataset!: string;
  @ApiProperty({ example: 'applicant', description: 'Role the value was reached from' })
  subject!: string;
  @ApiProperty({ description: 'Id of the record read (after the relations)' })
  subjectId!: string;
  @ApiProperty({ type: [RelationStepDto], description: 'Relations followed, in order (empty when read directly)' })
  via!: RelationStepDto[];
  @ApiProperty({ example: '3' })
  version!: string;
  @ApiProperty({ description: 'When the registry record was valid' })
  asOf!: string;
  @ApiProperty()
  fetchedAt!: string;
  @ApiProperty({ enum: ['HIT', 'MISS', 'STALE'] })
  cache!: 'HIT' | 'MISS' | 'STALE';
  @ApiProperty({ description: 'True when the registry could not answer and a cached value past its max age was used' })
  stale!: boolean;
}

export class FilledFieldDto {
  @ApiProperty({ example: 'applicant.fullName' })
  name!: string;
  @ApiProperty({ example: 'Họ, chữ đệm và tên' })
  label!: string;
  @ApiProperty({ example: 'string' })
  type!: string;
  @ApiProperty({ description: 'The value as the registry holds it (string, number, boolean, object or list)' })
  value!: unknown;
  @ApiProperty({ type: ProvenanceDto })
  provenance!: ProvenanceDto;
}

export class MissingFieldDto {
  @ApiProperty()
  name!: string;
  @ApiProperty()
  label!: string;
  @ApiProperty()
  type!: string;
  @ApiProperty({
    example: 'registry_unavailable',
    description:
      'subject_not_given, not_recorded, relation_not_recorded, or the refusal code of the read: subject_not_found, registry_unavailable, registry_timeout, ' +
      'registry_circuit_open, registry_busy, consent_required, missing_scope, unknown_registry, …',
  })
  reason!: string;
  @ApiProperty()
  detail!: string;
}

export class FilledComponentDto {
  @ApiProperty({ example: 'CCCD' })
  code!: string;
  @ApiProperty({ example: 'Thẻ Căn cước / Căn cước công dân của người đăng ký' })
  name!: string;
  @ApiProperty({ type: [String], description: 'Fields the evidence attests' })
  fields!: string[];
  @ApiProperty({ description: 'Compact JWS over exactly these fields of the record (verify with POST /v1/evidence/verify or the published key set)' })
  evidence!: string;
  @ApiProperty({ type: ProvenanceDto })
  provenance!: ProvenanceDto;
}

export class MissingComponentDto {
  @ApiProperty()
  code!: string;
  @ApiProperty()
  name!: string;
  @ApiProperty({ description: 'Same reasons as a missing field' })
  reason!: string;
  @ApiProperty()
  detail!: string;
}

export class PrefillProcedureDto {
  @ApiProperty({ example: '1.004222' })
  code!: string;
  @ApiProperty({ example: 'Đăng ký thường trú' })
  name!: string;
  @ApiProperty({ example: '2026.12-1' })
  catalogVersion!: string;
}

export class PrefillMissingDto {
  @ApiProperty({ type: [MissingFieldDto], description: 'Fields the clerk must ask the citizen for' })
  fields!: MissingFieldDto[];
  @ApiProperty({ type: [MissingComponentDto], description: 'Components the citizen must still bring' })
  components!: MissingComponentDto[];
}

export class ConflictSourceDto {
  @ApiProperty({ example: 'residence' })
  registry!: string;
  @ApiProperty({ example: 'household' })
  dataset!: string;
  @ApiProperty({ example: '001099012345', description: 'Subject id of the record read' })
  recordSubjectId!: string;
  @ApiProperty({ example: 'head.fullName', description: 'Where in the record the value is' })
  path!: string;
  @ApiProperty({ description: 'The value this registry holds (a string, or an address object)' })
  value!: unknown;
  @ApiProperty({ example: '3' })
  version!: string;
  @ApiProperty({ example: '2026-11-23T08:15:00.000Z' })
  asOf!: string;
}

export class ConflictDto {
  @ApiProperty({ example: '001099012345', description: 'The person the fact is about' })
  personId!: string;
  @ApiProperty({ enum: ['fullName', 'dateOfBirth', 'permanentAddress'] })
  fact!: string;
  @ApiProperty({ type: [ConflictSourceDto], description: 'Each registry’s value, at least two that differ' })
  sources!: ConflictSourceDto[];
}

export class PrefillAnswerDto {
  @ApiProperty({ type: PrefillProcedureDto })
  procedure!: PrefillProcedureDto;
  @ApiProperty({ type: [FilledFieldDto] })
  fields!: FilledFieldDto[];
  @ApiProperty({ type: [FilledComponentDto], description: 'Dossier components replaced by signed data' })
  components!: FilledComponentDto[];
  @ApiProperty({ type: PrefillMissingDto })
  missing!: PrefillMissingDto;
  @ApiPropertyOptional({ description: 'True when nothing is missing' })
  complete!: boolean;
  @ApiProperty({
    type: [ConflictDto],
    description:
      'Facts about a person that two registries read here disagree on (name, date of birth, permanent address), with both sources; the form fields keep the value of the source the catalog names',
  })
  conflicts!: ConflictDto[];
}
