import { Controller, Get, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { PurposeCatalog, type RecordSource } from '@motlan/procedure-catalog/purpose-catalog.js';
import { ClientAuthGuard } from '../auth/client-auth.guard.js';
import { ApiProblems, TOKEN_PROBLEMS } from '../common/api-problems.decorator.js';

export class DatasetAccessAnswerDto {
  @ApiProperty({ example: 'population' })
  registry!: string;
  @ApiProperty({ example: 'person' })
  dataset!: string;
  @ApiProperty({
    type: [String],
    example: ['dateOfBirth', 'fullName', 'personId'],
    description: 'Fields the procedure may read; a lookup without `fields` returns these',
  })
  fields!: string[];
  @ApiPropertyOptional({ example: 'Tờ khai thay đổi thông tin cư trú (CT01)', description: 'Why the procedure needs them' })
  reason?: string;
  @ApiPropertyOptional({
    example: 'Luật Cư trú 2020, Điều 20',
    description:
      'Set when a law lets the procedure read this dataset without consent even if it is sensitive; otherwise a sensitive dataset needs X-Consent-Ref',
  })
  legalBasis?: string;
}

export class SubjectRoleAnswerDto {
  @ApiProperty({ example: 'applicant', description: 'Key in the `subjects` of POST /v1/prefill' })
  role!: string;
  @ApiProperty({ example: 'Người đăng ký thường trú' })
  label!: string;
  @ApiProperty()
  required!: boolean;
}

export class FormFieldAnswerDto {
  @ApiProperty({ example: 'householdHead.dateOfBirth' })
  name!: string;
  @ApiProperty({ example: 'Ngày sinh của chủ hộ' })
  label!: string;
  @ApiProperty({ example: 'date' })
  type!: string;
  @ApiProperty({
    description: 'subject (role), via (relations: registry, dataset, field), registry, dataset, field (dotted path)',
    example: {
      subject: 'applicant',
      via: [{ registry: 'residence', dataset: 'household', field: 'head.personId' }],
      registry: 'population',
      dataset: 'person',
      field: 'dateOfBirth',
    },
  })
  source!: Record<string, unknown>;
}

export class DossierComponentAnswerDto {
  @ApiProperty({ example: 'CCCD' })
  code!: string;
  @ApiProperty({ example: 'Thẻ Căn cước / Căn cước công dân của người đăng ký' })
  name!: string;
  @ApiProperty({ description: 'subject, via, registry, dataset and the fields the evidence attests' })
  replacedBy!: Record<string, unknown>;
}

export class ProcedureAnswerDto {
  @ApiProperty({ example: '1.004222', description: 'Procedure code (MaTTHC): the X-Purpose of a lookup' })
  code!: string;
  @ApiProperty({ example: 'Đăng ký thường trú' })
  name!: string;
  @ApiPropertyOptional({ example: 'Cư trú' })
  domain?: string;
  @ApiProperty({ description: 'False when the code has not been checked against the national catalogue yet' })
  codeVerified!: boolean;
  @ApiPropertyOptional()
  note?: string;
  @ApiProperty({ type: [DatasetAccessAnswerDto] })
  access!: DatasetAccessAnswerDto[];
  @ApiProperty({ type: [SubjectRoleAnswerDto], description: 'Who a prefill request names, by role' })
  subjects!: SubjectRoleAnswerDto[];
  @ApiProperty({ type: [FormFieldAnswerDto], description: 'The e-form and where each field comes from' })
  form!: FormFieldAnswerDto[];
  @ApiProperty({ type: [DossierComponentAnswerDto], description: 'Dossier components the data replaces' })
  components!: DossierComponentAnswerDto[];
}

export class PurposeCatalogAnswerDto {
  @ApiProperty({ example: '2026.11-1', description: 'Version of the catalog the gateway enforces' })
  version!: string;
  @ApiPropertyOptional()
  description?: string;
  @ApiProperty({ type: [ProcedureAnswerDto] })
  procedures!: ProcedureAnswerDto[];
}

/** The procedure catalog the gateway enforces, for one-stop software to build its forms and requests from. */
@ApiTags('lookup')
@ApiBearerAuth()
@Controller('v1/purposes')
@UseGuards(ClientAuthGuard)
export class PurposesController {
  private answer?: PurposeCatalogAnswerDto;
  private answerAt = -1;

  constructor(private readonly purposes: PurposeCatalog) {}

  /** Built again only after the catalog changed (operator API, or another instance through the log). */
  private current(): PurposeCatalogAnswerDto {
    const { purposes } = this;
    if (this.answer && this.answerAt === purposes.changes) return this.answer;
    this.answerAt = purposes.changes;
    this.answer = {
      version: purposes.version,
      description: purposes.description,
      procedures: purposes.procedures.map((p) => ({
        code: p.code,
        name: p.name,
        domain: p.domain,
        codeVerified: p.codeVerified,
        note: p.note,
        access: p.access.map((a) => ({ registry: a.registry, dataset: a.dataset, fields: [...a.fieldList], reason: a.reason, legalBasis: a.legalBasis })),
        subjects: p.form.subjects.map((s) => ({ ...s })),
        form: p.form.fields.map((f) => ({ name: f.name, label: f.label, type: f.type, source: { ...sourceAnswer(f.source), field: f.source.path.join('.') } })),
        components: p.form.components.map((c) => ({
          code: c.code,
          name: c.name,
          replacedBy: { ...sourceAnswer(c.replacedBy), fields: [...c.replacedBy.fields] },
        })),
      })),
    };
    return this.answer;
  }

  @Get()
  @ApiOperation({
    summary: 'Procedure catalog: each procedure code (X-Purpose) with the registries, datasets and fields it may read',
    description:
      'Any authenticated client. A lookup is answered only if its X-Purpose is listed here (else 403 purpose_unknown), the procedure ' +
      'reads the dataset (else 403 purpose_not_allowed) and every requested field is in its list (else 403 field_not_allowed naming them); ' +
      'without `fields` it returns exactly the listed fields the dataset has.',
  })
  @ApiOkResponse({ type: PurposeCatalogAnswerDto })
  @ApiProblems(...TOKEN_PROBLEMS)
  list(): PurposeCatalogAnswerDto {
    return this.current();
  }
}

function sourceAnswer(source: RecordSource): Record<string, unknown> {
  return {
    subject: source.subject,
    via: source.via.map((hop) => ({ registry: hop.registry, dataset: hop.dataset, field: hop.path.join('.') })),
    registry: source.registry,
    dataset: source.dataset,
  };
}
