/**
 * E-form prefill and consent end to end on the embedded profile: the real gateway with the shipped
 * catalog against the real registry simulator, over HTTP. Expected values are computed by this
 * suite from the simulator's own records, following the catalog's sources (relations included),
 * independently of the gateway's code.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { AuditRecord } from '@motlan/audit/audit-record.js';
import type { DevCitizenTokenIssuer } from '@motlan/auth/citizen-token.js';
import type { JsonObject, JsonValue } from '@motlan/contracts/struct-codec.js';
import type { RegistryName } from '../../apps/registry-sim/src/registries/sim-dataset.js';
import type { RunningRegistrySim } from '../../apps/registry-sim/src/registry-sim.js';
import { e2eStack } from '../support/e2e-harness.js';
import { httpCall } from '../support/http.js';
import { simControl, simSamples } from '../support/sim-control.js';
import { readAuditRecords } from '../support/audit-trail.js';

const CATALOG_FILE = path.resolve(import.meta.dirname, '..', '..', 'deploy', 'catalog', 'procedures.v1.json');
const ALL_SCOPES = 'population:read residence:read land:read business:read civil-status:read judicial-records:read';

interface Hop {
  registry: string;
  dataset: string;
  field: string;
}
interface Source {
  subject: string;
  via?: Hop[];
  registry: string;
  dataset: string;
}
interface CatalogProcedure {
  code: string;
  subjects: Array<{ role: string; required: boolean }>;
  form: Array<{ name: string; source: Source & { field: string } }>;
  components: Array<{ code: string; replacedBy: Source & { fields: string[] } }>;
}
interface Provenance {
  registry: string;
  dataset: string;
  subject: string;
  subjectId: string;
  via: Array<Hop & { subjectId: string }>;
  version: string;
  cache: string;
  stale: boolean;
}
interface PrefillBody {
  procedure: { code: string };
  fields: Array<{ name: string; value: JsonValue; provenance: Provenance }>;
  components: Array<{ code: string; fields: string[]; evidence: string; provenance: Provenance }>;
  missing: { fields: Array<{ name: string; reason: string }>; components: Array<{ code: string; reason: string }> };
  complete: boolean;
  code?: string;
  invalidParams?: Array<{ name: string }>;
}

const procedures = (JSON.parse(readFileSync(CATALOG_FILE, 'utf8')) as { procedures: CatalogProcedure[] }).procedures;

const stack = e2eStack({
  dataDirPrefix: 'motlan-prefill-',
  sim: { seed: 21, persons: 50_000 },
  env: {
    // Entries turn stale after a second, so the outage test can see STALE values.
    MOTLAN_CACHE_MAX_AGE_CAP_SECONDS: '1',
    MOTLAN_ADAPTER_RETRY_ATTEMPTS: '1',
  },
});
let sim: RunningRegistrySim;
let base: string;
let dataDir: string;
let token: string;
let citizens: DevCitizenTokenIssuer;

/** The procedure that reads sensitive datasets without a legal basis: it needs the citizen's consent. */
const CONSENT_PROCEDURE = '2.000815';

/** A consent of `subjectId` for commune 00004 (the client's), given through the citizen API; its id. */
async function consentOf(subjectId: string, procedureCode: string, datasets: Array<{ registry: string; dataset: string }>): Promise<string> {
  const given = await httpCall<{ id: string }>(base, 'POST', '/v1/me/consents', {
    token: await citizens.issue({ subjectId }),
    body: { procedure: procedureCode, communeCode: '00004', datasets, validUntil: new Date(Date.now() + 86_400_000).toISOString() },
  });
  expect(given.status).toBe(201);
  return given.body.id;
}

/** The first person holding the parcel, in the simulator's records. */
function personOwnerOf(parcelId: string): string | undefined {
  const owners = truth('land', 'parcel', parcelId)?.record.owners;
  const owner = Array.isArray(owners) ? owners.find((o) => (o as JsonObject).kind === 'person') : undefined;
  return owner ? String((owner as JsonObject).id) : undefined;
}

const prefill = (procedureCode: string, subjects: Record<string, string>, headers: Record<string, string> = {}) =>
  httpCall<PrefillBody>(base, 'POST', '/v1/prefill', { token, headers: { 'x-officer-id': 'officer-prefill', ...headers }, body: { procedureCode, subjects } });

function valueAt(data: JsonValue | undefined, dotted: string): JsonValue | undefined {
  let value = data;
  for (const segment of dotted.split('.')) {
    if (value === null || value === undefined || typeof value !== 'object' || Array.isArray(value)) return undefined;
    value = (value as JsonObject)[segment];
  }
  return value;
}

/** The simulator's record, or undefined when it has none. */
function truth(registry: string, dataset: string, subjectId: string): { record: JsonObject; version: string } | undefined {
  try {
    const outcome = sim.registries.lookup(registry as RegistryName, { dataset, subjectId, fields: [] });
    return outcome.found && outcome.record ? { record: outcome.record, version: String(outcome.version) } : undefined;
  } catch {
    return undefined;
  }
}

/** Follows a source in the simulator's data: the record it ends at, the ids on the way, and every record touched. */
function follow(
  source: Source,
  subjects: Record<string, string>,
  touched: Set<string>,
): { record: JsonObject; version: string; subjectId: string; via: string[] } | undefined {
  let id = subjects[source.subject];
  if (id === undefined) return undefined;
  const via: string[] = [];
  for (const hop of source.via ?? []) {
    touched.add(`${hop.registry}/${hop.dataset}/${id}`);
    const next = valueAt(truth(hop.registry, hop.dataset, id)?.record, hop.field);
    if (typeof next !== 'string' || next === '') return undefined;
    via.push(next);
    id = next;
  }
  touched.add(`${source.registry}/${source.dataset}/${id}`);
  const found = truth(source.registry, source.dataset, id);
  return found && { ...found, subjectId: id, via };
}

/** How many of the procedure's fields the simulator can supply for these subjects. */
function suppliable(procedure: CatalogProcedure, subjects: Record<string, string>): number {
  return procedure.form.filter((f) => {
    const v = valueAt(follow(f.source, subjects, new Set())?.record, f.source.field);
    return v !== undefined && v !== null;
  }).length;
}

/** The dataset a role is first read from directly, to draw samples of. */
function sampleDatasetOf(procedure: CatalogProcedure, role: string): { registry: string; dataset: string } {
  const sources: Source[] = [...procedure.form.map((f) => f.source), ...procedure.components.map((c) => c.replacedBy)];
  const source = sources.find((s) => s.subject === role)!;
  const first = source.via?.[0] ?? source;
  // Persons: drawn from the population, the richest of a few is kept (households, spouses, parents).
  return first.registry === 'land' || first.registry === 'business' ? first : { registry: 'population', dataset: 'person' };
}

/** Subjects for every role, each chosen among samples to let the registries fill as much as they can. */
async function subjectsFor(procedure: CatalogProcedure): Promise<Record<string, string>> {
  const subjects: Record<string, string> = {};
  for (const { role } of procedure.subjects) {
    const { registry, dataset } = sampleDatasetOf(procedure, role);
    const candidates = await simSamples(sim.controlUrl, registry, dataset, 25);
    let best = candidates[0];
    let bestScore = -1;
    for (const id of candidates) {
      if (Object.values(subjects).includes(id)) continue;
      const score = suppliable(procedure, { ...subjects, [role]: id });
      if (score > bestScore) [best, bestScore] = [id, score];
    }
    subjects[role] = best;
  }
  return subjects;
}

function auditRecords(): AuditRecord[] {
  return readAuditRecords<AuditRecord>(path.join(dataDir, 'audit'));
}

beforeAll(async () => {
  ({ sim, base, dataDir, citizens } = stack);
  token = await stack.token({ sub: 'commune-00004', scope: ALL_SCOPES, commune: '00004' });
});

describe('POST /v1/prefill', () => {
  const viaFilled = new Set<string>();

  it.each(procedures.map((p) => [p.code, p] as const))(
    '%s: fills every field the registries hold, with provenance; reports the rest; signs each replaced component',
    async (_code, procedure) => {
      const subjects = await subjectsFor(procedure);
      // Sensitive reads without a legal basis: the applicant consents, for their own records and the
      // parcel they hold (a parcel's consent is its owner's). Elsewhere the reference is only recorded.
      let consentRef = 'consent-e2e-1';
      if (procedure.code === CONSENT_PROCEDURE) {
        subjects.applicant = personOwnerOf(subjects.parcel) ?? subjects.applicant;
        const sensitive = ['birth', 'marriage', 'death']
          .map((dataset) => ({ registry: 'civil-status', dataset }))
          .concat({ registry: 'land', dataset: 'parcel' });
        consentRef = await consentOf(subjects.applicant, procedure.code, sensitive);
      }
      const answer = await prefill(procedure.code, subjects, { 'x-consent-ref': consentRef });
      expect(answer.status).toBe(200);
      // Personal data: no shared cache may keep it.
      expect(answer.headers.get('cache-control')).toBe('no-store');
      const filled = new Map(answer.body.fields.map((f) => [f.name, f]));
      const missing = new Map(answer.body.missing.fields.map((f) => [f.name, f]));
      const touched = new Set<string>();
      for (const field of procedure.form) {
        const found = follow(field.source, subjects, touched);
        const expected = valueAt(found?.record, field.source.field);
        if (expected === undefined || expected === null) {
          expect(filled.has(field.name)).toBe(false);
          expect(missing.get(field.name)?.reason).toMatch(/^(not_recorded|relation_not_recorded|subject_not_found|subject_not_given)$/);
          continue;
        }
        const got = filled.get(field.name);
        expect(got?.value).toEqual(expected);
        expect(got?.provenance).toMatchObject({
          registry: field.source.registry,
          dataset: field.source.dataset,
          subject: field.source.subject,
          subjectId: found!.subjectId,
          version: found!.version,
          stale: false,
        });
        expect(got?.provenance.via.map((v) => v.subjectId)).toEqual(found!.via);
        if (found!.via.length > 0) viaFilled.add(field.name);
      }
      expect(filled.size + missing.size).toBe(procedure.form.length);
      expect(filled.size).toBeGreaterThan(0);

      const replaced = new Map(answer.body.components.map((c) => [c.code, c]));
      for (const component of procedure.components) {
        const found = follow(component.replacedBy, subjects, touched);
        if (!found) {
          expect(answer.body.missing.components.map((c) => c.code)).toContain(component.code);
          continue;
        }
        const got = replaced.get(component.code)!;
        const verified = await httpCall<{ valid: boolean; payload: { data: JsonObject; fields: string[]; subjectId: string } }>(
          base,
          'POST',
          '/v1/evidence/verify',
          { token, body: { evidence: got.evidence } },
        );
        expect(verified.body.valid).toBe(true);
        expect(verified.body.payload.subjectId).toBe(found.subjectId);
        expect(verified.body.payload.fields).toEqual([...component.replacedBy.fields].sort());
        const expectedData = Object.fromEntries(component.replacedBy.fields.filter((f) => f in found.record).map((f) => [f, found.record[f]]));
        expect(verified.body.payload.data).toEqual(expectedData);
      }
      expect(answer.body.complete).toBe(answer.body.missing.fields.length === 0 && answer.body.missing.components.length === 0);

      // One audit record per registry record read, tagged as a prefill, with the consent reference.
      const requestId = answer.headers.get('x-request-id');
      const records = auditRecords().filter((r) => r.requestId === requestId);
      expect(new Set(records.map((r) => `${r.registry}/${r.dataset}/${r.subjectId}`))).toEqual(touched);
      expect(records).toHaveLength(touched.size);
      for (const r of records) expect(r).toMatchObject({ via: 'prefill', purpose: procedure.code, consentRef, officerId: 'officer-prefill' });
      if (procedure.code === CONSENT_PROCEDURE) {
        const sensitiveRead = records.filter((r) => r.outcome === 'answered' && (r.registry === 'civil-status' || r.registry === 'land'));
        expect(sensitiveRead.length).toBeGreaterThan(0);
        for (const r of sensitiveRead) expect(r.consentId).toBe(consentRef);
      }
    },
  );

  it('followed relations: the household head and parents were reached through their own records', () => {
    expect([...viaFilled]).toEqual(expect.arrayContaining(['householdHead.dateOfBirth', 'father.fullNameNow']));
  });

  it('a registry down: the other fields are still filled, its own are reported; cached values past their age come back marked STALE', async () => {
    const procedure = procedures.find((p) => p.code === '1.004222')!;
    const subjects = await subjectsFor(procedure);
    const warm = await prefill(procedure.code, subjects);
    expect(warm.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1200));
    await simControl(sim.controlUrl, 'PUT', '/sim/registries/population/faults', { down: true });
    // Someone no earlier test read: nothing of theirs is cached, so nothing can be served STALE.
    const seen = new Set(auditRecords().map((r) => r.subjectId));
    const fresh = (await simSamples(sim.controlUrl, 'residence', 'household', 200)).find((id) => !seen.has(id))!;
    try {
      const stale = await prefill(procedure.code, subjects);
      expect(stale.status).toBe(200);
      const personFields = stale.body.fields.filter((f) => f.provenance.registry === 'population');
      expect(personFields.length).toBeGreaterThan(0);
      for (const f of personFields) expect(f.provenance).toMatchObject({ cache: 'STALE', stale: true });

      const down = await prefill(procedure.code, { applicant: fresh });
      expect(down.status).toBe(200);
      const fromPopulation = procedure.form
        .filter((f) => f.source.registry === 'population' || f.source.via?.some((h) => h.registry === 'population'))
        .map((f) => f.name);
      for (const name of fromPopulation) {
        expect(down.body.missing.fields.find((f) => f.name === name)?.reason).toMatch(/^registry_(unavailable|circuit_open|timeout)$/);
      }
      expect(down.body.fields.some((f) => f.provenance.registry === 'residence')).toBe(true);
      expect(down.body.complete).toBe(false);
    } finally {
      await simControl(sim.controlUrl, 'DELETE', '/sim/registries/population/faults');
    }
  });

  it('refuses what it cannot do with a clear error: unknown procedure, no such role, a required role missing, a malformed id', async () => {
    const unknown = await prefill('9.999999', { applicant: '001099012345' });
    expect(unknown.status).toBe(403);
    expect(unknown.body.code).toBe('purpose_unknown');
    const role = await prefill('1.004222', { applicant: '001099012345', cousin: '001099012346' });
    expect(role.status).toBe(400);
    expect(role.body.invalidParams?.map((p) => p.name)).toEqual(['subjects.cousin']);
    const required = await prefill('1.004222', {});
    expect(required.status).toBe(400);
    expect(required.body.invalidParams?.map((p) => p.name)).toEqual(['subjects.applicant']);
    const malformed = await prefill('1.004222', { applicant: '12345' });
    expect(malformed.status).toBe(400);
    expect(malformed.body).toMatchObject({ code: 'invalid_subject_id' });
    const badBody = await httpCall<PrefillBody>(base, 'POST', '/v1/prefill', {
      token,
      headers: { 'x-officer-id': 'o' },
      body: { procedureCode: '1.004222', subjects: 'x', extra: 1 },
    });
    expect(badBody.status).toBe(400);
    expect(badBody.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });
});

describe('consent for sensitive datasets', () => {
  it("without a legal basis in the catalog, a sensitive dataset needs the citizen's consent; a parcel's is its owner's; the consent is audited", async () => {
    const parcels = await simSamples(sim.controlUrl, 'land', 'parcel', 20);
    const parcel = parcels.find((p) => personOwnerOf(p) !== undefined)!;
    const other = parcels.find((p) => p !== parcel && personOwnerOf(p) !== undefined && personOwnerOf(p) !== personOwnerOf(parcel))!;
    const url = `/v1/registries/land/parcel/${parcel}`;
    const headers = { 'x-officer-id': 'officer-consent', 'x-purpose': CONSENT_PROCEDURE };
    const refused = await httpCall<PrefillBody & { data?: unknown }>(base, 'GET', url, { token, headers });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('consent_required');
    expect(refused.body.data).toBeUndefined();
    const madeUp = await httpCall<PrefillBody & { reason?: string }>(base, 'GET', url, { token, headers: { ...headers, 'x-consent-ref': 'VNeID-consent-42' } });
    expect(madeUp.status).toBe(403);
    expect(madeUp.body).toMatchObject({ code: 'consent_invalid', reason: 'unknown' });
    const consent = await consentOf(personOwnerOf(parcel)!, CONSENT_PROCEDURE, [{ registry: 'land', dataset: 'parcel' }]);
    const answered = await httpCall<{ data: JsonObject }>(base, 'GET', url, { token, headers: { ...headers, 'x-consent-ref': consent } });
    expect(answered.status).toBe(200);
    expect(answered.body.data.parcelId).toBe(parcel);
    const record = auditRecords().find((r) => r.requestId === answered.headers.get('x-request-id'));
    expect(record).toMatchObject({ outcome: 'answered', consentRef: consent, consentId: consent, registry: 'land' });
    // The owner's consent does not open someone else's parcel: checked against the record's owners before anything is released.
    const notTheirs = await httpCall<PrefillBody & { reason?: string; data?: unknown }>(base, 'GET', `/v1/registries/land/parcel/${other}`, {
      token,
      headers: { ...headers, 'x-consent-ref': consent },
    });
    expect(notTheirs.status).toBe(403);
    expect(notTheirs.body).toMatchObject({ code: 'consent_invalid', reason: 'other_subject' });
    expect(notTheirs.body.data).toBeUndefined();
    // A procedure with a legal basis for it reads the same dataset without consent.
    const lawful = await httpCall(base, 'GET', url, { token, headers: { ...headers, 'x-purpose': '1.004222' } });
    expect(lawful.status).toBe(200);
    // A malformed reference is a 400, not a silent pass.
    const bad = await httpCall<PrefillBody>(base, 'GET', url, { token, headers: { ...headers, 'x-consent-ref': 'a b' } });
    expect(bad.body.code).toBe('validation_failed');
    expect(bad.status).toBe(400);
  });

  it('prefill without consent reports the sensitive sources as consent_required and fills the rest', async () => {
    const procedure = procedures.find((p) => p.code === '2.000815')!;
    const subjects = await subjectsFor(procedure);
    const answer = await prefill(procedure.code, subjects);
    expect(answer.status).toBe(200);
    const sensitive = procedure.form.filter((f) => f.source.registry === 'land' || f.source.registry === 'civil-status').map((f) => f.name);
    for (const name of sensitive) expect(answer.body.missing.fields.find((f) => f.name === name)?.reason).toBe('consent_required');
    expect(answer.body.fields.filter((f) => f.provenance.registry === 'business').length).toBeGreaterThan(0);
  });
});
