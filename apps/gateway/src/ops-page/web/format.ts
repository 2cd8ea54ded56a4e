/** How the /ops page writes figures: English digit grouping, 24-hour clock, durations in words. */

const NF = new Intl.NumberFormat('en-US');
const PF = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

/** A count with grouping ("1,234"), or an em dash when there is none. */
export function num(n: number | null | undefined): string {
  return typeof n === 'number' && Number.isFinite(n) ? NF.format(n) : '\u2014';
}

/** A ratio 0–1 as a percentage ("12.5 %"). */
export function percent(x: number | null | undefined): string {
  return typeof x === 'number' && Number.isFinite(x) ? PF.format(x * 100) + ' %' : '\u2014';
}

/** Time of day of an epoch-milliseconds instant, 24-hour. */
export function clock(t: number): string {
  return new Date(t).toLocaleTimeString('en-GB', { hour12: false });
}

/** A duration in the two largest units that matter ("3 min 20 s", "2 d 4 h"). */
export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '\u2014';
  if (ms === 0) return '0 s';
  if (ms < 1000) return Math.round(ms) + ' ms';
  const sec = Math.round(ms / 1000);
  if (sec < 60) return sec + ' s';
  const min = Math.floor(sec / 60);
  if (min < 60) return min + ' min' + (sec % 60 ? ' ' + (sec % 60) + ' s' : '');
  const hours = Math.floor(min / 60);
  if (hours < 48) return hours + ' h' + (min % 60 ? ' ' + (min % 60) + ' min' : '');
  return Math.floor(hours / 24) + ' d' + (hours % 24 ? ' ' + (hours % 24) + ' h' : '');
}
