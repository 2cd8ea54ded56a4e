import type { ColourCounts, Indicators, ServiceColour, ServiceThresholds } from './indicator-report.types.js';
import { workingMsBetween, type WorkingHours } from './vietnam-calendar.js';

export type { ServiceColour } from './indicator-report.types.js';
export const SERVICE_COLOURS: readonly ServiceColour[] = ['GREEN', 'YELLOW', 'RED', 'SILENT'];

// The colour rules in force: docs/service-indicators.md.
export type { ServiceThresholds } from './indicator-report.types.js';

export const DEFAULT_SERVICE_THRESHOLDS: ServiceThresholds = {
  silentAfterWorkingHours: 16,
  minDossiers: 5,
  onlineShare: { yellowBelow: 0.8, redBelow: 0.5 },
  onTimeShare: { yellowBelow: 0.95, redBelow: 0.85 },
  electronicResultShare: { yellowBelow: 0.8, redBelow: 0.5 },
  overdueNow: { yellowFrom: 1, redFrom: 10 },
  provinceSilentShare: 0.5,
  provinceRedShare: 0.2,
  provinceGreenShare: 0.9,
};

export interface CommuneColour {
  colour: ServiceColour;
  /** Why it is not GREEN, in words an officer can act on (empty when GREEN). */
  reasons: string[];
}

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;

/**
 * The service colour of one commune. SILENT first: a commune that never reported, or reported
 * nothing for `silentAfterWorkingHours` working hours (Mon–Fri office hours, Vietnam time), is
 * SILENT whatever its older figures say — silence is never GREEN. Otherwise the worst rule wins.
 * Payment and data-reuse shares are shown, not coloured: many procedures have no fee and no
 * component a registry can replace, so a low share alone is no failure of the commune.
 */
export function communeColour(ind: Indicators, lastReportAt: number | null, now: number, t: ServiceThresholds, hours: WorkingHours): CommuneColour {
  if (lastReportAt === null) return { colour: 'SILENT', reasons: ['no dossier status reported'] };
  const silentMs = workingMsBetween(lastReportAt, now, hours);
  if (silentMs >= t.silentAfterWorkingHours * 3_600_000) {
    return { colour: 'SILENT', reasons: [`no dossier status for ${Math.floor(silentMs / 3_600_000)} working hours`] };
  }
  const red: string[] = [];
  const yellow: string[] = [];
  const judge = (value: number | null, whole: number, rule: { yellowBelow: number; redBelow: number }, what: string) => {
    if (value === null || whole < t.minDossiers) return;
    if (value < rule.redBelow) red.push(`${what} ${pct(value)} (below ${pct(rule.redBelow)})`);
    else if (value < rule.yellowBelow) yellow.push(`${what} ${pct(value)} (below ${pct(rule.yellowBelow)})`);
  };
  judge(ind.onlineShare, ind.received, t.onlineShare, 'online share');
  judge(ind.onTimeShare, ind.resultsReturned, t.onTimeShare, 'on-time share');
  judge(ind.electronicResultShare, ind.resultsReturned, t.electronicResultShare, 'electronic-result share');
  if (ind.overdueNow >= t.overdueNow.redFrom) red.push(`${ind.overdueNow} dossiers overdue now (${t.overdueNow.redFrom} or more)`);
  else if (ind.overdueNow >= t.overdueNow.yellowFrom) yellow.push(`${ind.overdueNow} dossiers overdue now`);
  if (red.length) return { colour: 'RED', reasons: [...red, ...yellow] };
  if (yellow.length) return { colour: 'YELLOW', reasons: yellow };
  return { colour: 'GREEN', reasons: [] };
}

export type { ColourCounts } from './indicator-report.types.js';

export function colourCounts(colours: Iterable<ServiceColour>): ColourCounts {
  const counts: ColourCounts = { total: 0, GREEN: 0, YELLOW: 0, RED: 0, SILENT: 0 };
  for (const c of colours) {
    counts.total++;
    counts[c]++;
  }
  return counts;
}

/**
 * A province's colour from the share of its communes in each colour, as the national reports
 * count provinces: SILENT when at least `provinceSilentShare` of them are silent; RED when at
 * least `provinceRedShare` are RED or SILENT; GREEN when at least `provinceGreenShare` are GREEN;
 * YELLOW otherwise.
 */
export function provinceColour(counts: ColourCounts, t: ServiceThresholds): ServiceColour {
  if (counts.total === 0) return 'SILENT';
  if (counts.SILENT / counts.total >= t.provinceSilentShare) return 'SILENT';
  if ((counts.RED + counts.SILENT) / counts.total >= t.provinceRedShare) return 'RED';
  if (counts.GREEN / counts.total >= t.provinceGreenShare) return 'GREEN';
  return 'YELLOW';
}

/** Order of the commune list: SILENT first, then RED, YELLOW, GREEN. */
export const COLOUR_RANK: Record<ServiceColour, number> = { SILENT: 0, RED: 1, YELLOW: 2, GREEN: 3 };
