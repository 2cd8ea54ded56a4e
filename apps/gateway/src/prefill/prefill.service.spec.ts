/**
 * The prefill use case over in-memory ports (registries, cache, consent store, audit sink, signer)
 * and the real lookup path: which e-form fields and dossier components are filled and from where,
 * why the others are missing (no subject, no relation, no value, no consent, no scope), refusals
 * of the purpose and the subjects before anything is read, one read and one audit record per
 * registry record, and conflicts between registries listed with both sources.
 */
import { beforeEach, describe, expect, it } from '@jest/globals';
import { AuditSink } from '@motlan/audit/audit-sink.port.js';
import type { AuditEntry, AuditRecord } from '@motlan/audit/audit-record.js';
import { newConsentId, type Consent, type ConsentRequest } from '@motlan/consent/consent.js';
import { ConsentStore } from '@motlan/consent/consent-store.port.js';
import type { JsonObject } from '@motlan/contracts/struct-codec.js';
import { DomainError, ErrorCodes } from '@motlan/errors/domain-error.js';
import type { EvidenceSignerService } from '@motlan/evidence/evidence-signer.service.js';
import { GatewayMetrics } from '@motlan/metrics/gateway-metrics.js';
import { PurposeCatalog } from '@motlan/procedure-catalog/purpose-catalog.js';
import { LocalFetchCoordinator } from '@motlan/registry-cache/fetch-coordinator.port.js';
import { InMemoryRegistryCache } from '@motlan/registry-cache/in-memory-registry-cache.adapter.js';
import { RegistryClient, type DatasetDescriptor, type RegistryRecord } from '@motlan/registry-client/registry-client.port.js';
import type { AuthenticatedClient } from '../auth/authenticated-client.js';
import { LookupService, type LookupHeadersValue } from '../lookup/lookup.service.js';
import { RecordReaderService } from '../lookup/record-reader.service.js';
import { MissingReasons, PrefillService } from './prefill.service.js';

const CCCD = { name: 'cccd', pattern: '^\\d{12}$', description: '12-digit personal id' };
const PARCEL_ID = { name: 'parcel', pattern: '^P-[0-9]{4}-[0-9]{1,6}$', description: 'parcel id' };
function dataset(registry: string, name: string, fields: Record<string, string>, options: { sensitive?: boolean; key?: typeof CCCD } = {}): DatasetDescriptor {
  return {
    registry,
    name,
    subjectKey: options.key ?? CCCD,
    fields: Object.entries(fields).map(([f, type]) => ({ name: f, type, description: f, personal: true })),
    fieldNames: new Set(Object.keys(fields)),
    maxAgeSeconds: 600,
    sensitivity: options.sensitive ? 'sensitive' : 'normal',
    description: name,
  };
}
const PERSON = dataset('population', 'person', { personId: 'string', fullName: 'string', dateOfBirth: 'date', spouseId: 'string' });
const HOUSEHOLD = dataset('residence', 'household', { householdId: 'string', head: 'object', members: 'list' });
const BIRTH = dataset('civil-status', 'birth', { personId: 'string', fullName: 'string', fatherName: 'string' }, { sensitive: true });
const PARCEL = dataset('land', 'parcel', { parcelId: 'string', areaM2: 'number' }, { key: PARCEL_ID });

/** Applicant with a spouse, a household whose register spells the head's name differently, a birth record. */
const A = '001203004567';
const SPOUSE = '001204007654';
/** Unmarried, no date of birth recorded, no household, no birth record. */
const LONE = '001190000222';
const PARCEL_P = 'P-0101-12';

const RECORDS: Record<string, JsonObject> = {
  [`population/person/${A}`]: { personId: A, fullName: 'Nguyễn Văn An', dateOfBirth: '2003-05-01', spouseId: SPOUSE },
  [`population/person/${SPOUSE}`]: { personId: SPOUSE, fullName: 'Trần Thị Bích', dateOfBirth: '2004-02-02', spouseId: A },
  [`population/person/${LONE}`]: { personId: LONE, fullName: 'Lê Văn Cường', dateOfBirth: null, spouseId: null },
  [`residence/household/${A}`]: {
    householdId: 'HK-0001',
    head: { personId: A, fullName: 'Nguyễn Văn Ân' },
    members: [{ personId: A, fullName: 'Nguyễn Văn Ân', relation: 'head' }],
  },
  [`civil-status/birth/${A}`]: { personId: A, fullName: 'Nguyễn Văn An', fatherName: 'Nguyễn Văn Bình' },
  [`land/parcel/${PARCEL_P}`]: { parcelId: PARCEL_P, areaM2: 120 },
};

const PROCEDURE = '1.004222';
const CATALOG = JSON.stringify({
  format: 1,
  version: 'prefill-spec-1',
  procedures: [
    {
      code: PROCEDURE,
      name: 'Đăng ký thường trú',
      access: [
        { registry: 'population', dataset: 'person', fields: ['personId', 'fullName', 'dateOfBirth', 'spouseId'] },
        { registry: 'residence', dataset: 'household', fields: ['householdId', 'head', 'members'] },
        { registry: 'civil-status', dataset: 'birth', fields: ['personId', 'fullName', 'fatherName'] },
        { registry: 'land', dataset: 'parcel', fields: ['parcelId', 'areaM2'] },
      ],
      subjects: [
        { role: 'applicant', label: 'Người đăng ký', required: true },
        { role: 'parcel', label: 'Thửa đất', required: false },
      ],
      form: [
        {
          name: 'applicant.fullName',
          label: 'Họ tên',
          type: 'string',
          source: { subject: 'applicant', registry: 'population', dataset: 'person', field: 'fullName' },
        },
        {
          name: 'applicant.dateOfBirth',
          label: 'Ngày sinh',
          type: 'date',
          source: { subject: 'applicant', registry: 'population', dataset: 'person', field: 'dateOfBirth' },
        },
        {
          name: 'applicant.spouseName',
          label: 'Họ tên vợ hoặc chồng',
          type: 'string',
          source: {
            subject: 'applicant',
            via: [{ registry: 'population', dataset: 'person', field: 'spouseId' }],
            registry: 'population',
            dataset: 'person',
            field: 'fullName',
          },
        },
        {
          name: 'household.headName',
          label: 'Họ tên chủ hộ',
          type: 'string',
          source: { subject: 'applicant', registry: 'residence', dataset: 'household', field: 'head.fullName' },
        },
        {
          name: 'applicant.fatherName',
          label: 'Họ tên cha',
          type: 'string',
          source: { subject: 'applicant', registry: 'civil-status', dataset: 'birth', field: 'fatherName' },
        },
        { name: 'parcel.areaM2', label: 'Diện tích', type: 'number', source: { subject: 'parcel', registry: 'land', dataset: 'parcel', field: 'areaM2' } },
      ],
      components: [
        {
          code: 'CCCD',
          name: 'Căn cước của người đăng ký',
          replacedBy: { subject: 'applicant', registry: 'population', dataset: 'person', fields: ['personId', 'fullName', 'dateOfBirth'] },
        },
        {
          code: 'GKS',
          name: 'Giấy khai sinh',
          replacedBy: { subject: 'applicant', registry: 'civil-status', dataset: 'birth', fields: ['personId', 'fullName'] },
        },
      ],
    },
    { code: '2.000815', name: 'Cấp bản sao trích lục khai sinh', access: [{ registry: 'civil-status', dataset: 'birth', fields: ['fullName'] }] },
  ],
});

/** The four registries from RECORDS; any other subject is not found. Counts reads per record. */
class InMemoryRegistries extends RegistryClient {
  readonly reads = new Map<string, number>();
  registries(): string[] {
    return ['population', 'residence', 'civil-status', 'land'];
  }
  resolve(registry: string, name: string): DatasetDescriptor {
    const found = [PERSON, HOUSEHOLD, BIRTH, PARCEL].find((d) => d.registry === registry && d.name === name);
    if (!found) throw new DomainError(ErrorCodes.unknownDataset, 400, 'Invalid request', `no ${registry}/${name}`);
    return found;
  }
  async lookup(registry: string, datasetName: string, subjectId: string): Promise<RegistryRecord> {
    const key = `${registry}/${datasetName}/${subjectId}`;
    this.reads.set(key, (this.reads.get(key) ?? 0) + 1);
    const data = RECORDS[key];
    return data ? { found: true, data, version: '7', asOf: '2026-11-20T00:00:00Z' } : { found: false, data: null, version: '0', asOf: '' };
  }
}

class InMemoryConsentStore extends ConsentStore {
  readonly consents = new Map<string, Consent>();
  async add(consent: Consent): Promise<void> {
    this.consents.set(consent.id, consent);
  }
  async get(id: string): Promise<Consent | null> {
    return this.consents.get(id) ?? null;
  }
  async listBySubject(subjectId: string): Promise<Consent[]> {
    return [...this.consents.values()].filter((c) => c.subjectId === subjectId);
  }
  async revoke(): Promise<Consent | null> {
    throw new Error('not used by prefill');
  }
  async addRequest(_request: ConsentRequest): Promise<void> {
    throw new Error('not used by prefill');
  }
  async getRequest(): Promise<ConsentRequest | null> {
    return null;
  }
  async approveRequest(): Promise<boolean> {
    return false;
  }
  async approvedConsentId(): Promise<string | null> {
    return null;
  }
  async close(): Promise<void> {}
}

class RecordingAuditSink extends AuditSink {
  readonly writes: AuditRecord[][] = [];
  async append(record: AuditEntry): Promise<void> {
    await this.appendMany([record]);
  }
  async appendMany(records: AuditEntry[]): Promise<void> {
    this.writes.push(records as AuditRecord[]);
  }
}

/** What was signed, and a stand-in evidence string naming it. */
class RecordingSigner {
  readonly signed: Array<{ registry: string; dataset: string; subjectId: string; fields: readonly string[]; data: JsonObject }> = [];
  async sign(payload: { registry: string; dataset: string; subjectId: string; fields: readonly string[]; data: JsonObject }): Promise<string> {
    this.signed.push(payload);
    return `evidence:${payload.registry}/${payload.dataset}/${payload.subjectId}:${payload.fields.join(',')}`;
  }
}

const CLERK: AuthenticatedClient = {
  clientId: 'one-stop-00004',
  communeCode: '00004',
  scopes: new Set(['population:read', 'residence:read', 'civil-status:read', 'land:read']),
};
const headers = (overrides: Partial<LookupHeadersValue> = {}): LookupHeadersValue => ({
  purpose: PROCEDURE,
  officerId: 'officer-prefill',
  requestId: 'req-prefill-a',
  ...overrides,
});

let registries: InMemoryRegistries;
let consents: InMemoryConsentStore;
let audit: RecordingAuditSink;
let signer: RecordingSigner;
let metrics: GatewayMetrics;
let service: PrefillService;

beforeEach(() => {
  registries = new InMemoryRegistries();
  consents = new InMemoryConsentStore();
  audit = new RecordingAuditSink();
  signer = new RecordingSigner();
  metrics = new GatewayMetrics();
  const reader = new RecordReaderService(new InMemoryRegistryCache({ maxEntries: 100 }), registries, new LocalFetchCoordinator(), metrics, {
    maxStaleSeconds: 60,
    negativeTtlSeconds: 30,
  });
  const purposes = PurposeCatalog.parse(CATALOG, 'prefill-spec.json');
  const lookups = new LookupService(registries, reader, signer as unknown as EvidenceSignerService, audit, metrics, purposes, consents);
  service = new PrefillService(purposes, lookups, metrics);
});

/** A consent of citizen A for the birth record, given to commune 00004 for this procedure. */
async function birthConsent(overrides: Partial<Consent> = {}): Promise<string> {
  const now = Date.now();
  const consent: Consent = {
    id: newConsentId(),
    subjectId: A,
    procedure: PROCEDURE,
    dossierId: null,
    communeCode: '00004',
    datasets: [{ registry: 'civil-status', dataset: 'birth' }],
    createdAt: new Date(now - 60_000).toISOString(),
    validUntil: new Date(now + 86_400_000).toISOString(),
    revokedAt: null,
    origin: { kind: 'citizen' },
    ...overrides,
  };
  await consents.add(consent);
  return consent.id;
}

async function refusal(promise: Promise<unknown>): Promise<DomainError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof DomainError)) throw new Error(`expected a refusal, got ${String(error)}`);
  return error;
}

const byName = <T extends { name: string }>(list: T[]) => Object.fromEntries(list.map((x) => [x.name, x]));
const byCode = <T extends { code: string }>(list: T[]) => Object.fromEntries(list.map((x) => [x.code, x]));

describe('PrefillService: what is filled', () => {
  it('fills every field and component from the registries, following relations, with provenance and evidence over exactly the component fields', async () => {
    const consentRef = await birthConsent();
    const answer = await service.prefill(CLERK, headers({ consentRef }), { applicant: A, parcel: PARCEL_P });

    expect(answer.procedure).toEqual({ code: PROCEDURE, name: 'Đăng ký thường trú', catalogVersion: 'prefill-spec-1' });
    expect(answer.complete).toBe(true);
    expect(answer.missing).toEqual({ fields: [], components: [] });
    const fields = byName(answer.fields);
    expect(Object.fromEntries(answer.fields.map((f) => [f.name, f.value]))).toEqual({
      'applicant.fullName': 'Nguyễn Văn An',
      'applicant.dateOfBirth': '2003-05-01',
      'applicant.spouseName': 'Trần Thị Bích',
      'household.headName': 'Nguyễn Văn Ân',
      'applicant.fatherName': 'Nguyễn Văn Bình',
      'parcel.areaM2': 120,
    });
    expect(fields['applicant.fullName'].provenance).toMatchObject({
      registry: 'population',
      dataset: 'person',
      subject: 'applicant',
      subjectId: A,
      via: [],
      version: '7',
    });
    // The spouse's name is read from the spouse's own record, reached through the applicant's spouseId.
    expect(fields['applicant.spouseName'].provenance).toMatchObject({
      registry: 'population',
      dataset: 'person',
      subject: 'applicant',
      subjectId: SPOUSE,
      via: [{ registry: 'population', dataset: 'person', field: 'spouseId', subjectId: SPOUSE }],
    });
    expect(fields['parcel.areaM2'].provenance).toMatchObject({ registry: 'land', dataset: 'parcel', subject: 'parcel', subjectId: PARCEL_P });

    const components = byCode(answer.components);
    // The component's fields as the catalog holds them (sorted).
    expect(components.CCCD).toMatchObject({
      fields: ['dateOfBirth', 'fullName', 'personId'],
      evidence: `evidence:population/person/${A}:dateOfBirth,fullName,personId`,
    });
    expect(components.GKS).toMatchObject({ fields: ['fullName', 'personId'], provenance: { registry: 'civil-status', dataset: 'birth', subjectId: A } });
    // Evidence carries the component's fields only, never the rest of what the form read from that record.
    const cccd = signer.signed.find((s) => s.dataset === 'person')!;
    expect(cccd.data).toEqual({ personId: A, fullName: 'Nguyễn Văn An', dateOfBirth: '2003-05-01' });
    const gks = signer.signed.find((s) => s.dataset === 'birth')!;
    expect(gks.data).toEqual({ personId: A, fullName: 'Nguyễn Văn An' });
  });

  it('reads each registry record once however many fields and components need it, and audits every read in one write before answering', async () => {
    const consentRef = await birthConsent();
    await service.prefill(CLERK, headers({ consentRef }), { applicant: A, parcel: PARCEL_P });
    expect(Object.fromEntries(registries.reads)).toEqual({
      [`population/person/${A}`]: 1,
      [`population/person/${SPOUSE}`]: 1,
      [`residence/household/${A}`]: 1,
      [`civil-status/birth/${A}`]: 1,
      [`land/parcel/${PARCEL_P}`]: 1,
    });
    expect(audit.writes).toHaveLength(1);
    const records = audit.writes[0];
    expect(records.map((r) => `${r.registry}/${r.dataset}/${r.subjectId}`).sort()).toEqual([...registries.reads.keys()].sort());
    for (const record of records) {
      expect(record).toMatchObject({
        type: 'access',
        outcome: 'answered',
        via: 'prefill',
        purpose: PROCEDURE,
        clientId: 'one-stop-00004',
        requestId: 'req-prefill-a',
      });
    }
    // The person record is read with every field the form, the components and the relation need of it, and no other.
    expect(records.find((r) => r.subjectId === A && r.dataset === 'person')!.fields).toEqual(['dateOfBirth', 'fullName', 'personId', 'spouseId']);
    expect(records.find((r) => r.dataset === 'birth')).toMatchObject({ consentRef, consentId: consentRef });
  });
});

describe('PrefillService: what is missing, and why', () => {
  it('reports values the registries do not hold with their reason, never inventing one', async () => {
    const answer = await service.prefill(CLERK, headers(), { applicant: LONE });
    expect(answer.complete).toBe(false);
    expect(Object.fromEntries(answer.missing.fields.map((f) => [f.name, f.reason]))).toEqual({
      'applicant.dateOfBirth': MissingReasons.notRecorded,
      'applicant.spouseName': MissingReasons.relationNotRecorded,
      'household.headName': ErrorCodes.subjectNotFound,
      // Sensitive and no legal basis: refused before the read, without a consent.
      'applicant.fatherName': ErrorCodes.consentRequired,
      'parcel.areaM2': MissingReasons.subjectNotGiven,
    });
    expect(answer.fields.map((f) => [f.name, f.value])).toEqual([['applicant.fullName', 'Lê Văn Cường']]);
    expect(Object.fromEntries(answer.missing.components.map((c) => [c.code, c.reason]))).toEqual({ GKS: ErrorCodes.consentRequired });
    // The identity card component is replaced even though the form misses the date of birth: it takes the record as it is.
    expect(answer.components.map((c) => c.code)).toEqual(['CCCD']);
    expect(registries.reads.has(`civil-status/birth/${LONE}`)).toBe(false);
    expect(registries.reads.has(`land/parcel/${PARCEL_P}`)).toBe(false);
    // Refused reads are audited with the answered ones.
    expect(audit.writes[0].filter((r) => r.outcome === 'refused').map((r) => [r.dataset, r.code])).toEqual(
      expect.arrayContaining([
        ['household', ErrorCodes.subjectNotFound],
        ['birth', ErrorCodes.consentRequired],
      ]),
    );
  });

  it("refuses the sensitive parts on a consent that does not cover them (another commune's, another procedure's), filling the rest", async () => {
    for (const overrides of [{ communeCode: '00007' }, { procedure: '1.004194' }, { revokedAt: new Date(Date.now() - 1000).toISOString() }]) {
      const consentRef = await birthConsent(overrides);
      const answer = await service.prefill(CLERK, headers({ consentRef }), { applicant: A });
      expect(byName(answer.missing.fields)['applicant.fatherName']).toMatchObject({ reason: ErrorCodes.consentInvalid });
      expect(byCode(answer.missing.components).GKS).toMatchObject({ reason: ErrorCodes.consentInvalid });
      expect(byName(answer.fields)['applicant.fullName'].value).toBe('Nguyễn Văn An');
    }
    expect(registries.reads.has(`civil-status/birth/${A}`)).toBe(false);
  });

  it('reports the parts of a registry the client has no scope for as missing_scope', async () => {
    const noCivilStatus: AuthenticatedClient = { ...CLERK, scopes: new Set(['population:read', 'residence:read']) };
    const answer = await service.prefill(noCivilStatus, headers({ consentRef: await birthConsent() }), { applicant: A });
    expect(byName(answer.missing.fields)['applicant.fatherName'].reason).toBe(ErrorCodes.missingScope);
    expect(byCode(answer.missing.components).GKS.reason).toBe(ErrorCodes.missingScope);
    expect(answer.fields.map((f) => f.name)).toEqual(['applicant.fullName', 'applicant.dateOfBirth', 'applicant.spouseName', 'household.headName']);
  });
});

describe('PrefillService: refusals before anything is read', () => {
  it('refuses a purpose the catalog does not know (403 purpose_unknown) and a procedure without an e-form (422 no_eform)', async () => {
    const unknown = await refusal(service.prefill(CLERK, headers({ purpose: '9.999999' }), { applicant: A }));
    expect(unknown).toMatchObject({ status: 403, code: ErrorCodes.purposeUnknown });
    const noForm = await refusal(service.prefill(CLERK, headers({ purpose: '2.000815' }), { applicant: A }));
    expect(noForm).toMatchObject({ status: 422, code: ErrorCodes.noEForm });
    expect(registries.reads.size).toBe(0);
    expect(audit.writes).toEqual([]);
  });

  it('refuses subjects the procedure does not take, a required one left out, or an id of the wrong shape (400, each named)', async () => {
    const error = await refusal(service.prefill(CLERK, headers(), { parcel: 'P 0101', witness: A }));
    expect(error).toMatchObject({ status: 400, code: ErrorCodes.validation });
    const params = (error.extensions as { invalidParams: Array<{ name: string }> }).invalidParams.map((p) => p.name);
    expect(params.sort()).toEqual(['subjects.applicant', 'subjects.parcel', 'subjects.witness']);
    expect(registries.reads.size).toBe(0);
  });

  it('answers 400 invalid_subject_id when a registry refuses the id given for a role, after auditing the attempt', async () => {
    const error = await refusal(service.prefill(CLERK, headers(), { applicant: A, parcel: 'P-12' }));
    expect(error).toMatchObject({ status: 400, code: ErrorCodes.invalidSubjectId });
    expect(audit.writes).toHaveLength(1);
    expect(audit.writes[0].find((r) => r.dataset === 'parcel')).toMatchObject({ outcome: 'refused', code: ErrorCodes.invalidSubjectId });
  });
});

describe('PrefillService: conflicts between registries', () => {
  it('lists a fact two registries hold differently about one person with both sources, and counts it', async () => {
    const answer = await service.prefill(CLERK, headers({ consentRef: await birthConsent() }), { applicant: A });
    expect(answer.conflicts).toHaveLength(1);
    const [conflict] = answer.conflicts;
    expect(conflict).toMatchObject({ personId: A, fact: 'fullName' });
    expect(conflict.sources.map((s) => [s.registry, s.dataset, s.path, s.value])).toEqual([
      ['population', 'person', 'fullName', 'Nguyễn Văn An'],
      // Not members[0]: the form needs only the head of the household record, so only the head was read.
      ['residence', 'household', 'head.fullName', 'Nguyễn Văn Ân'],
      // The birth register agrees with the population register; it is listed as a source of the same fact.
      ['civil-status', 'birth', 'fullName', 'Nguyễn Văn An'],
    ]);
    expect(await metrics.registry.getSingleMetricAsString('motlan_prefill_conflicts_total')).toMatch(
      /motlan_prefill_conflicts_total\{fact="fullName",registries="civil-status,population,residence"\} 1/,
    );
  });

  it('lists no conflict when the registries agree', async () => {
    const answer = await service.prefill(CLERK, headers(), { applicant: LONE });
    expect(answer.conflicts).toEqual([]);
  });
});
