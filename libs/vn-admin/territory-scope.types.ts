/**
 * What a token may read of the figures kept per commune — the service indicators, the data-quality
 * figures, the dossier relay's sync figures: the whole country, one province, or one commune
 * (apps/gateway/src/auth/territory-scope.ts resolves it from the token's `province` and `commune`
 * claims). Types only: the /ops page's browser code types the answers that carry it.
 */
export type TerritoryScope =
  { level: 'national' } | { level: 'province'; provinceCode: string } | { level: 'commune'; provinceCode: string; communeCode: string };
