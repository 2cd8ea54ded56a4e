import { consentMismatch, newConsentId, newRequestCode, CONSENT_ID_PATTERN, REQUEST_CODE_PATTERN, type Consent, type ConsentUse } from './consent.js';

const NOW = Date.parse('2026-11-23T08:00:00.000Z');
const base: Consent = {
  id: 'cns_AAAAAAAAAAAAAAAAAAAAAA',
  subjectId: '001099012345',
  procedure: '2.000815',
  dossierId: null,
  communeCode: '00004',
  datasets: [{ registry: 'civil-status', dataset: 'birth' }],
  createdAt: '2026-11-23T07:00:00.000Z',
  validUntil: '2026-12-23T07:00:00.000Z',
  revokedAt: null,
  origin: { kind: 'citizen' },
};
const use: ConsentUse = {
  subjectIds: ['001099012345'],
  procedure: '2.000815',
  dossierId: 'D-1',
  communeCode: '00004',
  registry: 'civil-status',
  dataset: 'birth',
};

describe('consentMismatch', () => {
  it('covers the read it names', () => {
    expect(consentMismatch(base, use, NOW)).toBeNull();
    // No procedure named: any procedure, as long as the dossier matches.
    expect(consentMismatch({ ...base, procedure: null, dossierId: 'D-1' }, { ...use, procedure: '1.004222' }, NOW)).toBeNull();
  });

  it.each([
    ['other_subject', base, { ...use, subjectIds: ['079203000111'] }, NOW],
    ['revoked', { ...base, revokedAt: '2026-11-23T07:30:00.000Z' }, use, NOW],
    ['expired', base, use, Date.parse(base.validUntil)],
    ['other_procedure', base, { ...use, procedure: '1.004222' }, NOW],
    ['other_dossier', { ...base, dossierId: 'D-2' }, use, NOW],
    ['other_dossier', { ...base, dossierId: 'D-2' }, { ...use, dossierId: undefined }, NOW],
    ['other_commune', base, { ...use, communeCode: '00007' }, NOW],
    ['other_commune', base, { ...use, communeCode: undefined }, NOW],
    ['dataset_not_covered', base, { ...use, dataset: 'marriage' }, NOW],
    ['dataset_not_covered', base, { ...use, registry: 'land', dataset: 'birth' }, NOW],
  ] as const)('%s', (reason, consent, wanted, now) => {
    expect(consentMismatch(consent, wanted, now)).toBe(reason);
  });
});

describe('ids and codes', () => {
  it('are well-formed and do not repeat', () => {
    const ids = new Set(Array.from({ length: 200 }, () => newConsentId()));
    const codes = new Set(Array.from({ length: 200 }, () => newRequestCode()));
    expect(ids.size).toBe(200);
    expect(codes.size).toBeGreaterThan(195);
    for (const id of ids) expect(id).toMatch(CONSENT_ID_PATTERN);
    for (const code of codes) expect(code).toMatch(REQUEST_CODE_PATTERN);
  });
});
