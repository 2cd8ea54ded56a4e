import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length, Matches } from 'class-validator';
import { COMMUNE_CODE } from '@motlan/dossier-relay/dossier-status.js';

/** Scope of the operators' dossier → commune corrections (not part of `dossiers:write`: commune systems never hold it). */
export const DOSSIERS_REBIND_SCOPE = 'dossiers:rebind';

/** Body of PUT /v1/dossiers/{dossierId}/commune. */
export class DossierRebindDto {
  @ApiProperty({ example: '10231', description: '5-digit (2025) code of the commune the dossier belongs to from now on' })
  @Matches(COMMUNE_CODE, { message: 'communeCode must be a 5-digit commune code' })
  communeCode!: string;

  @ApiProperty({
    example: 'first reported by the wrong commune system (ticket 4711)',
    description: 'Why (kept with the binding and in the audit trail)',
    minLength: 3,
    maxLength: 500,
  })
  @IsString()
  @Length(3, 500)
  reason!: string;
}

/** A dossier's binding (GET / PUT /v1/dossiers/{dossierId}/commune). */
export class DossierBindingDto {
  @ApiProperty({ example: 'H01.14-261206-000181' }) dossierId!: string;
  @ApiProperty({ example: '10231' }) communeCode!: string;
  @ApiProperty({ description: 'When it was bound (RFC 3339)' }) boundAt!: string;
  @ApiProperty({ description: 'Client id of the system that first reported the dossier, or of the operator who rebound it' }) boundBy!: string;
  @ApiProperty({ required: false, description: "The operator's reason, for a rebinding" }) reason?: string;
}

export class DossierRebindResultDto extends DossierBindingDto {
  @ApiProperty({ nullable: true, type: String, example: '00004', description: 'The commune it was bound to before, or null' }) previousCommuneCode!:
    string | null;
}
