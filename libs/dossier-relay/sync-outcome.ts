import { IsIn, IsInt, IsISO8601, IsOptional, IsString, Matches, MaxLength, Min } from 'class-validator';
import { DOSSIER_ID_PATTERN } from './dossier-status.js';

/** What became of one status (motlan.portal.dossier-sync.outcomes.v1, key = dossier id). */
export class SyncOutcome {
  @Matches(DOSSIER_ID_PATTERN)
  dossierId!: string;

  @IsInt()
  @Min(1)
  sequence!: number;

  @Matches(/^\d{5}$/)
  communeCode!: string;

  @Matches(/^\d{2}$/)
  provinceCode!: string;

  /** delivered: the portal accepted it; duplicate: it already had it; dead_lettered: moved to the DLQ. */
  @IsIn(['delivered', 'duplicate', 'dead_lettered'])
  outcome!: 'delivered' | 'duplicate' | 'dead_lettered';

  @IsISO8601({ strict: true })
  at!: string;

  /** When the gateway accepted the status. */
  @IsISO8601({ strict: true })
  acceptedAt!: string;

  @IsOptional()
  @IsString()
  @MaxLength(300)
  reason?: string;
}
