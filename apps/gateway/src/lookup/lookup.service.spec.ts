import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compactVerify, createLocalJWKSet } from 'jose';
import { AuditSink } from '@motlan/audit/audit-sink.port.js';
import type { AuditEntry, AuditRecord } from '@motlan/audit/audit-record.js';
import type { JsonObject } from '@motlan/contracts/struct-codec.js';
import { FileConsentStore } from '@motlan/consent/file-consent-store.adapter.js';
import { newConsentId, type Consent } from '@motlan/consent/consent.js';
import { DomainError, ErrorCodes } from '@motlan/errors/domain-error.js';
import { EvidenceKeyStore } from '@motlan/evidence/evidence-key-store.js';
import { EvidenceSignerService } from '@motlan/evidence/evidence-signer.service.js';
import { GatewayMetrics } from '@motlan/metrics/gateway-metrics.js';
import { PurposeCatalog } from '@motlan/procedure-catalog/purpose-catalog.js';
import { LocalFetchCoordinator } from '@motlan/registry-cache/fetch-coordinator.port.js';
import { InMemoryRegistryCache } from '@motlan/registry-cache/in-memory-registry-cache.adapter.js';
import { RegistryClient, type DatasetDescriptor, type RegistryRecord } from '@motlan/registry-client/registry-client.port.js';
import type { AuthenticatedClient } from '../auth/authenticated-client.js';
import { LookupService, type LookupHeadersValue, type LookupItem } from './lookup.service.js';
import { RecordReaderService } from './record-reader.service.js';

const CCCD = { name: 'cccd', pattern: '^\\d{12}$', description: '12-digit personal id' };
function dataset(registry: string, name: string, fields: string[], sensitivity: 'normal' | 'sensitive' = 'normal'): DatasetDescriptor {
  return {
    registry,
    name,
    subjectKey: CCCD,
    fields: fields.map((f) => ({ name: f, type: 'string', description: f, personal: true })),
    fieldNames: new Set(fields),
    maxAgeSeconds: 600,
    sensitivity,
    description: name,
  };
}
const PERSON = dataset('population', 'person', ['fullName', 'dateOfBirth', 'personId']);
const BIRTH = dataset('civil-status', 'birth', ['childName', 'fatherName'], 'sensitive');

const CATALOG = JSON.stringify({
  format: 1,
  version: 'spec-1',
  procedures: [
    { code: '1.004222', name: 'Đăng ký thường trú', access: [{ registry: 'population', dataset: 'person', fields: ['fullName', 'dateOfBirth'] }] },
    { code: '2.000815', name: 'Cấp bản sao trích lục khai sinh', access: [{ registry: 'civil-status', dataset: 'birth', fields: ['childName'] }] },
    {
      code: '2.000001',
      name: 'Thủ tục có căn cứ pháp lý',
      access: [{ registry: 'civil-status', dataset: 'birth', fields: ['childName'], legalBasis: 'Luật Hộ tịch 2014, Điều 4' }],
    },
  ],
});

const SUBJECT = '001203004567';
const OTHER_SUBJECT = '079188000123';
/** Its population record holds a name that is not text and no date of birth (data-quality checks). */
const POOR_SUBJECT = '001203007777';

/** Two registries answering a fixed record for any subject but one unknown id. */
class FixedRegistries extends RegistryClient {
  calls = 0;
  registries(): string[] {
    return ['population', 'civil-status'];
  }
  resolve(registry: string, name: string): DatasetDescriptor {
    const found = [PERSON, BIRTH].find((d) => d.registry === registry && d.name === name);
    if (!found) throw new DomainError(ErrorCodes.unknownDataset, 400, 'Invalid request', `no ${registry}/${name}`);
    return found;
  }
  async lookup(registry: string, _dataset: string, subjectId: string): Promise<RegistryRecord> {
    this.calls += 1;
    if (subjectId === '000000000000') return { found: false, data: null, version: '0', asOf: '' };
    if (subjectId === POOR_SUBJECT)
      return { found: true, data: { fullName: 42, dateOfBirth: null, personId: subjectId }, version: '1', asOf: '2026-12-01T00:00:00Z' };
    const data: JsonObject =
      registry === 'population'
        ? { fullName: 'Nguyễn Văn An', dateOfBirth: '2003-05-01', personId: subjectId }
        : { childName: 'Nguyễn Văn An', fatherName: 'Nguyễn Văn Bình' };
    return { found: true, data, version: '7', asOf: '2026-12-01T00:00:00Z' };
  }
}

/** Keeps what it is given; fails every write while `down`. */
class RecordingAuditSink extends AuditSink {
  readonly records: AuditRecord[] = [];
  writes = 0;
  down = false;
  async append(record: AuditEntry): Promise<void> {
    await this.appendMany([record]);
  }
  async appendMany(records: AuditEntry[]): Promise<void> {
    if (this.down) throw new Error('audit trail unreachable');
    this.writes += 1;
    this.records.push(...(records as AuditRecord[]));
  }
}

const CLIENT: AuthenticatedClient = { clientId: 'commune-00004', communeCode: '00004', scopes: new Set(['population:read', 'civil-status:read']) };
function headers(overrides: Partial<LookupHeadersValue> = {}): LookupHeadersValue {
  return { purpose: '1.004222', officerId: 'officer-1', requestId: 'req-lookup-a', ...overrides };
}
const PERSON_ITEM: LookupItem = { registry: 'population', dataset: 'person', subjectId: SUBJECT };
const BIRTH_ITEM: LookupItem = { registry: 'civil-status', dataset: 'birth', subjectId: SUBJECT };

let dir: string;
let keyStore: EvidenceKeyStore;
let consents: FileConsentStore;
let registries: FixedRegistries;
let audit: RecordingAuditSink;
let service: LookupService;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'motlan-lookup-'));
  keyStore = await EvidenceKeyStore.open({ dir: join(dir, 'evidence-keys') });
  consents = new FileConsentStore({ file: join(dir, 'consents.jsonl') });
  await consents.load();
  registries = new FixedRegistries();
  audit = new RecordingAuditSink();
  const metrics = new GatewayMetrics();
  const reader = new RecordReaderService(new InMemoryRegistryCache({ maxEntries: 100 }), registries, new LocalFetchCoordinator(), metrics, {
    maxStaleSeconds: 60,
    negativeTtlSeconds: 30,
  });
  const signer = new EvidenceSignerService({ issuer: 'urn:motlan:spec', keyStore });
  service = new LookupService(registries, reader, signer, audit, metrics, PurposeCatalog.parse(CATALOG, 'spec.json'), consents);
});

afterEach(async () => {
  await consents.close();
  await rm(dir, { recursive: true, force: true });
});

async function refusal(promise: Promise<unknown>): Promise<DomainError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof DomainError)) throw new Error(`expected a refusal, got ${String(error)}`);
  return error;
}

function consent(overrides: Partial<Consent> = {}): Consent {
  const now = Date.now();
  return {
    id: newConsentId(),
    subjectId: SUBJECT,
    procedure: '2.000815',
    dossierId: null,
    communeCode: '00004',
    datasets: [{ registry: 'civil-status', dataset: 'birth' }],
    createdAt: new Date(now).toISOString(),
    validUntil: new Date(now + 3_600_000).toISOString(),
    revokedAt: null,
    origin: { kind: 'citizen' },
    ...overrides,
  };
}

describe('LookupService', () => {
  it('records on the access the fields asked for that are missing and the values failing their format, and nothing on a clean read', async () => {
    await service.lookup(CLIENT, headers(), PERSON_ITEM);
    await service.lookup(CLIENT, headers({ requestId: 'req-lookup-b' }), { ...PERSON_ITEM, subjectId: POOR_SUBJECT, fields: ['fullName', 'dateOfBirth'] });
    // Without fields named, the purpose's default set: a missing value is not counted as one a procedure needed.
    await service.lookup(CLIENT, headers({ requestId: 'req-lookup-c' }), { ...PERSON_ITEM, subjectId: POOR_SUBJECT });
    const [clean, named, unnamed] = audit.records;
    expect(clean).not.toHaveProperty('missingFields');
    expect(clean).not.toHaveProperty('malformedFields');
    expect(named).toMatchObject({ outcome: 'answered', missingFields: ['dateOfBirth'], malformedFields: ['fullName'] });
    expect(unnamed).toMatchObject({ outcome: 'answered', malformedFields: ['fullName'] });
    expect(unnamed).not.toHaveProperty('missingFields');
  });

  it('answers only the fields the purpose allows, signs them, audits the access and serves the next read from the cache', async () => {
    const answer = await service.lookup(CLIENT, headers(), PERSON_ITEM);
    expect(answer.data).toEqual({ dateOfBirth: '2003-05-01', fullName: 'Nguyễn Văn An' });
    expect(answer.meta).toMatchObject({ version: '7', cache: 'MISS', maxAgeSeconds: 600 });
    const { payload } = await compactVerify(answer.evidence, createLocalJWKSet(keyStore.jwks()));
    expect(JSON.parse(new TextDecoder().decode(payload))).toMatchObject({ subjectId: SUBJECT, fields: ['dateOfBirth', 'fullName'], data: answer.data });
    expect(audit.records).toEqual([
      expect.objectContaining({
        outcome: 'answered',
        status: 200,
        fields: ['dateOfBirth', 'fullName'],
        cache: 'MISS',
        clientId: 'commune-00004',
        clientCommune: '00004',
        purpose: '1.004222',
        subjectId: SUBJECT,
      }),
    ]);

    const again = await service.lookup(CLIENT, headers(), { ...PERSON_ITEM, fields: ['fullName'] });
    expect(again.meta.cache).toBe('HIT');
    expect(again.data).toEqual({ fullName: 'Nguyễn Văn An' });
    expect(registries.calls).toBe(1);
  });

  it.each([
    ['an unknown procedure', headers({ purpose: '9.999999' }), PERSON_ITEM, 403, ErrorCodes.purposeUnknown],
    ['a dataset the procedure does not read', headers(), BIRTH_ITEM, 403, ErrorCodes.purposeNotAllowed],
    ['a field the procedure may not read', headers(), { ...PERSON_ITEM, fields: ['personId'] }, 403, ErrorCodes.fieldNotAllowed],
    ['a field the dataset does not have', headers(), { ...PERSON_ITEM, fields: ['shoeSize'] }, 400, ErrorCodes.unknownField],
    ['a malformed subject id', headers(), { ...PERSON_ITEM, subjectId: '12-34' }, 400, ErrorCodes.invalidSubjectId],
    ['a subject the registry does not know', headers(), { ...PERSON_ITEM, subjectId: '000000000000' }, 404, ErrorCodes.subjectNotFound],
  ])('refuses %s, and audits the refusal', async (_what, lookupHeaders, item, status, code) => {
    const error = await refusal(service.lookup(CLIENT, lookupHeaders, item));
    expect({ status: error.status, code: error.code }).toEqual({ status, code });
    expect(audit.records).toEqual([expect.objectContaining({ outcome: 'refused', status, code, subjectId: item.subjectId })]);
  });

  it('refuses a client without the registry scope before reading anything', async () => {
    const error = await refusal(service.lookup({ ...CLIENT, scopes: new Set(['civil-status:read']) }, headers(), PERSON_ITEM));
    expect(error.code).toBe(ErrorCodes.missingScope);
    expect(error.extensions).toEqual({ requiredScope: 'population:read' });
    expect(registries.calls).toBe(0);
  });

  it('reads a sensitive dataset only on a consent that covers it, and records which consent was used', async () => {
    const birthHeaders = headers({ purpose: '2.000815' });
    expect((await refusal(service.lookup(CLIENT, birthHeaders, BIRTH_ITEM))).code).toBe(ErrorCodes.consentRequired);

    const foreign = consent({ subjectId: OTHER_SUBJECT });
    await consents.add(foreign);
    expect((await refusal(service.lookup(CLIENT, { ...birthHeaders, consentRef: foreign.id }, BIRTH_ITEM))).code).toBe(ErrorCodes.consentInvalid);

    const given = consent();
    await consents.add(given);
    const answer = await service.lookup(CLIENT, { ...birthHeaders, consentRef: given.id }, BIRTH_ITEM);
    expect(answer.data).toEqual({ childName: 'Nguyễn Văn An' });
    expect(audit.records.at(-1)).toMatchObject({ outcome: 'answered', consentId: given.id, consentRef: given.id });
    expect(registries.calls).toBe(1);
  });

  it('reads a sensitive dataset without consent where the catalog names a legal basis', async () => {
    const answer = await service.lookup(CLIENT, headers({ purpose: '2.000001' }), BIRTH_ITEM);
    expect(answer.data).toEqual({ childName: 'Nguyễn Văn An' });
    expect(audit.records.at(-1)).not.toHaveProperty('consentId');
  });

  it('releases nothing when the audit trail cannot be written: 503 audit_unavailable', async () => {
    audit.down = true;
    const error = await refusal(service.lookup(CLIENT, headers(), PERSON_ITEM));
    expect({ status: error.status, code: error.code }).toEqual({ status: 503, code: ErrorCodes.auditUnavailable });
  });

  it('answers a batch item by item with one audit write holding a record per item', async () => {
    const results = await service.lookupBatch(CLIENT, headers(), [PERSON_ITEM, BIRTH_ITEM, { ...PERSON_ITEM, subjectId: OTHER_SUBJECT }]);
    expect(results.map((r) => r.ok)).toEqual([true, false, true]);
    expect(audit.writes).toBe(1);
    expect(audit.records.map((r) => [r.subjectId, r.outcome, r.code])).toEqual([
      [SUBJECT, 'answered', undefined],
      [SUBJECT, 'refused', ErrorCodes.purposeNotAllowed],
      [OTHER_SUBJECT, 'answered', undefined],
    ]);
  });
});
