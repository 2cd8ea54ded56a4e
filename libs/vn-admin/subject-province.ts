/**
 * The current (2025) province a subject id itself reveals, so a lookup can be routed to the shard of
 * that province without asking any registry first. Runs once per lookup on the gateway's hot path:
 * it only slices the id and reads the directory's maps (no regular expression, no other allocation).
 */
import type { VnAdminDirectory } from './vn-admin-directory.js';

const DIGIT_0 = 48;
const DIGIT_9 = 57;
const DASH = 45;
const CCCD_LENGTH = 12;
const COMMUNE_CODE_LENGTH = 5;

/**
 * The 2-digit current province code revealed by `subjectId` of key format `subjectKeyName`:
 * - `cccd`: digits 1-3 are the birth-registration province (one of the 63 former provinces), mapped
 *   to the current province that absorbed it in the 2025 merger;
 * - `parcel-id` (`CCCCC-sheet-parcel`): the province of the commune.
 *
 * Null when the format reveals no place (e.g. `tax-code`: tax codes are not issued by province in a
 * way the id shows), when the id does not have the shape of its format, or when the code is unknown.
 * It is not a validator: ids are checked against their format before routing.
 */
export function provinceOfSubject(directory: VnAdminDirectory, subjectKeyName: string, subjectId: string): string | null {
  switch (subjectKeyName) {
    case 'cccd':
      if (subjectId.length !== CCCD_LENGTH || !digitsUpTo(subjectId, CCCD_LENGTH)) return null;
      return directory.currentProvinceOfCccd(subjectId.slice(0, 3))?.code ?? null;
    case 'parcel-id':
      if (subjectId.length <= COMMUNE_CODE_LENGTH + 1 || subjectId.charCodeAt(COMMUNE_CODE_LENGTH) !== DASH) return null;
      // The commune map is keyed by 5-digit codes only, so an unknown or non-numeric prefix finds nothing.
      return directory.commune(subjectId.slice(0, COMMUNE_CODE_LENGTH))?.provinceCode ?? null;
    default:
      return null;
  }
}

function digitsUpTo(text: string, end: number): boolean {
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c < DIGIT_0 || c > DIGIT_9) return false;
  }
  return true;
}
