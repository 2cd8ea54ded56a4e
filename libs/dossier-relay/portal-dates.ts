/**
 * The portal writes dates as yyyyMMddHHmmss in Asia/Ho_Chi_Minh. Vietnam has kept UTC+7 without
 * daylight saving since 1975, so a fixed offset is exact for every date the portal can hold; it
 * also avoids Intl time-zone formatting on the delivery path.
 */
const HO_CHI_MINH_OFFSET_MS = 7 * 3600 * 1000;

export function toPortalDate(iso: string | Date): string {
  const utc = typeof iso === 'string' ? Date.parse(iso) : iso.getTime();
  if (Number.isNaN(utc)) throw new RangeError('not a date');
  const local = new Date(utc + HO_CHI_MINH_OFFSET_MS);
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return (
    pad(local.getUTCFullYear(), 4) +
    pad(local.getUTCMonth() + 1) +
    pad(local.getUTCDate()) +
    pad(local.getUTCHours()) +
    pad(local.getUTCMinutes()) +
    pad(local.getUTCSeconds())
  );
}
