/**
 * The data-quality report as GET /v1/ops/data-quality answers it (docs/data-quality.md). Types
 * only, importing nothing but other types-only modules: the /ops page's browser code
 * (tsconfig.ops-page.json) types its answers with them, so a change here breaks the page's type
 * check, and the erased imports put no server code in its bundle.
 */
import type { ReportScope } from '@motlan/service-indicators/indicator-report.types.js';

/** The figures of a registry, a province, or a whole scope over a window (docs/data-quality.md). */
export interface DataQualityFigures {
  reads: number;
  /** correct */
  conflicts: number;
  conflictsPer1000Reads: number | null;
  correctionsAccepted: number;
  correctionsAcceptedPer1000Reads: number | null;
  /** sufficient */
  readsWithMissingFields: number;
  missingFieldsShare: number | null;
  /** clean */
  readsWithMalformedValues: number;
  malformedValuesShare: number | null;
  /** live */
  staleAnswers: number;
  staleShare: number | null;
}

/** Change-event delays of a registry: national (an event has no reading commune). */
export interface ChangeEventFigures {
  changeEvents: number;
  changeEventDelayAvgSeconds: number | null;
  changeEventDelayMaxSeconds: number | null;
}

export interface DataQualityReport {
  scope: ReportScope;
  from: string;
  to: string;
  totals: DataQualityFigures;
  registries: Array<{ registry: string } & DataQualityFigures & ChangeEventFigures>;
  /** National scope: every province with reads, then `unknown` (clients bound to no commune); province and commune scopes: theirs. */
  provinces: Array<{ provinceCode: string; provinceName: string | null } & DataQualityFigures>;
}

/** GET /v1/ops/data-quality: the report, and when the worker last published the figures (null before the first publication). */
export type DataQualityAnswer = DataQualityReport & { viewAsOf: string | null };
