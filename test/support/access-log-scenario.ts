/**
 * The citizen access log scenario, shared by the embedded e2e suite and the production
 * integration suite: lookups about citizens A and B by different client systems, officers,
 * purposes and dossiers (single and batch, answered and refused, plus lookups that belong in no
 * citizen's log), then each citizen's token reads exactly their own lookups.
 */
import { randomUUID } from 'node:crypto';
import { DevCitizenTokenIssuer } from '@motlan/auth/citizen-token.js';
import { DevTokenIssuer } from '@motlan/auth/dev-token-issuer.js';
import { parseCccd } from '@motlan/identifiers/subject-id.js';
import type { Commune } from '@motlan/vn-admin/vn-admin.model.js';
import { VnAdminDirectory } from '@motlan/vn-admin/vn-admin-directory.js';
import { eventually } from './eventually.js';
import { httpCall, type HttpAnswer } from './http.js';
import { simSamples } from './sim-control.js';

export const directory = VnAdminDirectory.load();

/** What a citizen should find about one lookup. */
export interface ExpectedAccess {
  reference: string;
  clientId: string;
  commune: string | null;
  officerId: string;
  purpose: string;
  dossierId: string | null;
  registry: string;
  dataset: string;
  fields: string[];
  outcome: 'answered' | 'refused';
  refusal: string | null;
}

export interface ViewEntry {
  id: string;
  time: string;
  reference: string;
  client: { id: string; commune: { code: string; name: string | null; province: { code: string; name: string } | null } | null };
  officerId: string | null;
  purpose: { code: string; name: string | null } | null;
  dossierId: string | null;
  registry: string | null;
  dataset: string | null;
  fields: string[];
  outcome: 'answered' | 'refused';
  refusal: string | null;
  role: 'subject' | 'named-in-record';
  fieldPaths: string[];
  count: number;
  lastTime: string;
}

export interface Scenario {
  a: string;
  b: string;
  expectedA: ExpectedAccess[];
  expectedB: ExpectedAccess[];
  tokens: { citizenA: string; citizenB: string; malformedCitizen: string; client: string };
}

/** Procedure names of the shipped catalog the scenario uses. */
export const PROCEDURE_NAMES: Record<string, string> = {
  '1.004222': 'Đăng ký thường trú',
  '1.004194': 'Đăng ký tạm trú',
  '1.001193': 'Đăng ký khai sinh',
};

function communeOf(provinceCode: string): Commune {
  return directory.communes().find((c) => c.provinceCode === provinceCode) ?? directory.communes()[0];
}

/**
 * Makes the lookups through the gateway at `base` and returns what each citizen should see.
 * Ends with a lookup about a third citizen and waits until it shows in that citizen's log: the
 * trail is read in order, so every lookup before it has been projected by then.
 */
export async function runLookups(base: string, dataDir: string, controlUrl: string): Promise<Scenario> {
  const run = randomUUID().slice(0, 8);
  const [a, b, sentinel] = await simSamples(controlUrl, 'population', 'person', 3);
  for (const id of [a, b, sentinel]) expect(parseCccd(id)).not.toBeNull();
  const [household] = [a];
  const [parcel] = await simSamples(controlUrl, 'land', 'parcel', 1);

  const clients = new DevTokenIssuer({ dataDir });
  const hanoi = communeOf('01');
  const saigon = communeOf('79');
  const c1 = await clients.issue({ sub: `one-stop-${hanoi.code}`, scope: 'population:read residence:read land:read', commune: hanoi.code });
  const c2 = await clients.issue({ sub: `one-stop-${saigon.code}`, scope: 'population:read', commune: saigon.code });
  const c3 = await clients.issue({ sub: 'land-office-7', scope: 'land:read' });
  const citizens = new DevCitizenTokenIssuer({ dataDir });

  let n = 0;
  const lookup = async (
    token: string | undefined,
    officerId: string,
    purpose: string,
    dossierId: string | null,
    method: string,
    path: string,
    body?: unknown,
  ) => {
    // A letter before the counter: a run id ending in seven digits followed by "-13" would look like a
    // personal id (9+ digits across separators) and the gateway would replace the request id.
    const reference = `al-${run}-n${++n}`;
    const headers: Record<string, string> = { 'x-request-id': reference, 'x-officer-id': officerId, 'x-purpose': purpose };
    if (dossierId) headers['x-dossier-id'] = dossierId;
    const answer = await httpCall(base, method, path, { token, headers, body });
    return { reference, answer };
  };
  const fieldsOf = (answer: HttpAnswer) => Object.keys(answer.body.data as object).sort();

  const expectedA: ExpectedAccess[] = [];
  const expectedB: ExpectedAccess[] = [];

  // 1. Hà Nội commune, officer a1, permanent residence, a dossier: A's name and birth date.
  const one = await lookup(c1, 'officer-a1', '1.004222', 'H01.22-0001', 'GET', `/v1/registries/population/person/${a}?fields=fullName,dateOfBirth`);
  expect(one.answer.status).toBe(200);
  expectedA.push({
    reference: one.reference,
    clientId: `one-stop-${hanoi.code}`,
    commune: hanoi.code,
    officerId: 'officer-a1',
    purpose: '1.004222',
    dossierId: 'H01.22-0001',
    registry: 'population',
    dataset: 'person',
    fields: ['dateOfBirth', 'fullName'],
    outcome: 'answered',
    refusal: null,
  });

  // 2. Sài Gòn commune, officer b1, temporary residence: B's name.
  const two = await lookup(c2, 'officer-b1', '1.004194', null, 'GET', `/v1/registries/population/person/${b}?fields=fullName`);
  expect(two.answer.status).toBe(200);
  expectedB.push({
    reference: two.reference,
    clientId: `one-stop-${saigon.code}`,
    commune: saigon.code,
    officerId: 'officer-b1',
    purpose: '1.004194',
    dossierId: null,
    registry: 'population',
    dataset: 'person',
    fields: ['fullName'],
    outcome: 'answered',
    refusal: null,
  });

  // 3. One batch about both (same request, same dataset): one entry in each log.
  const three = await lookup(c2, 'officer-b2', '1.001193', 'H79-0002', 'POST', '/v1/lookups', {
    items: [
      { registry: 'population', dataset: 'person', subjectId: a, fields: ['fullName', 'nationality'] },
      { registry: 'population', dataset: 'person', subjectId: b, fields: ['dateOfBirth'] },
    ],
  });
  expect(three.answer.status).toBe(200);
  const batch = three.answer.body.results as Array<{ status: number; answer: { data: object } }>;
  expect(batch.map((r) => r.status)).toEqual([200, 200]);
  const common3 = {
    reference: three.reference,
    clientId: `one-stop-${saigon.code}`,
    commune: saigon.code,
    officerId: 'officer-b2',
    purpose: '1.001193',
    dossierId: 'H79-0002',
    registry: 'population',
    dataset: 'person',
    outcome: 'answered' as const,
    refusal: null,
  };
  expectedA.push({ ...common3, fields: Object.keys(batch[0].answer.data).sort() });
  expectedB.push({ ...common3, fields: Object.keys(batch[1].answer.data).sort() });

  // 4. Another registry about A: the household, all fields the procedure allows.
  const four = await lookup(c1, 'officer-a2', '1.004222', null, 'GET', `/v1/registries/residence/household/${household}`);
  expect(four.answer.status).toBe(200);
  expectedA.push({
    reference: four.reference,
    clientId: `one-stop-${hanoi.code}`,
    commune: hanoi.code,
    officerId: 'officer-a2',
    purpose: '1.004222',
    dossierId: null,
    registry: 'residence',
    dataset: 'household',
    fields: fieldsOf(four.answer),
    outcome: 'answered',
    refusal: null,
  });

  // 5. A client without the scope tries A: refused, and A sees the attempt.
  const five = await lookup(c3, 'officer-x', '1.004222', null, 'GET', `/v1/registries/population/person/${a}?fields=fullName`);
  expect(five.answer.status).toBe(403);
  expectedA.push({
    reference: five.reference,
    clientId: 'land-office-7',
    commune: null,
    officerId: 'officer-x',
    purpose: '1.004222',
    dossierId: null,
    registry: 'population',
    dataset: 'person',
    fields: ['fullName'],
    outcome: 'refused',
    refusal: 'missing_scope',
  });

  // Not in any citizen's log: no token (nobody identified), a parcel.
  expect((await lookup(undefined, 'officer-z', '1.004222', null, 'GET', `/v1/registries/population/person/${b}`)).answer.status).toBe(401);
  expect((await lookup(c1, 'officer-a1', '1.004222', null, 'GET', `/v1/registries/land/parcel/${parcel}`)).answer.status).toBe(200);

  const last = await lookup(c1, 'officer-a1', '1.004222', null, 'GET', `/v1/registries/population/person/${sentinel}?fields=fullName`);
  expect(last.answer.status).toBe(200);
  const sentinelToken = await citizens.issue({ subjectId: sentinel });
  await eventually(
    'the last lookup in the access log',
    async () => ((await readLog(base, sentinelToken)).some((e) => e.reference === last.reference) ? true : undefined),
    30_000,
    100,
  );

  return {
    a,
    b,
    expectedA,
    expectedB,
    tokens: {
      citizenA: await citizens.issue({ subjectId: a }),
      citizenB: await citizens.issue({ subjectId: b }),
      malformedCitizen: await citizens.issue({ subjectId: `${a.slice(0, 3)}9${a.slice(4)}` }),
      client: c1,
    },
  };
}

/** Every entry of the log `token` may read, page by page (`limit` per page), checking each page's answer. */
export async function readLog(base: string, token: string, limit = 100, query = ''): Promise<ViewEntry[]> {
  const entries: ViewEntry[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 1000; pages++) {
    const path: string = `/v1/me/access-log?limit=${limit}${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const page = await httpCall<{ entries: ViewEntry[]; nextCursor: string | null }>(base, 'GET', path, { token });
    if (page.status !== 200) throw new Error(`GET ${path}: ${page.status} ${JSON.stringify(page.body)}`);
    expect(page.body.entries.length).toBeLessThanOrEqual(limit);
    entries.push(...page.body.entries);
    cursor = page.body.nextCursor;
    if (cursor === null) return entries;
  }
  throw new Error('more than 1000 pages');
}

/** The log holds exactly these lookups (by reference and content), newest first. */
export function expectExactly(log: ViewEntry[], expected: ExpectedAccess[]): void {
  const actual = log.map((e) => ({
    reference: e.reference,
    clientId: e.client.id,
    commune: e.client.commune?.code ?? null,
    officerId: e.officerId,
    purpose: e.purpose?.code,
    dossierId: e.dossierId,
    registry: e.registry,
    dataset: e.dataset,
    fields: [...e.fields].sort(),
    outcome: e.outcome,
    refusal: e.refusal,
  }));
  expect(actual).toEqual([...expected].reverse());
  const times = log.map((e) => Date.parse(e.time));
  expect(times).toEqual([...times].sort((x, y) => y - x));
  expect(new Set(log.map((e) => e.id)).size).toBe(log.length);
  for (const entry of log) {
    // Lookups about the citizen, each one attempt: not named in someone else's record, not a refusal summary.
    expect(entry).toMatchObject({ role: 'subject', fieldPaths: [], count: 1, lastTime: entry.time });
    if (entry.client.commune) {
      const commune = directory.commune(entry.client.commune.code)!;
      expect(entry.client.commune).toEqual({
        code: commune.code,
        name: commune.name,
        province: { code: commune.provinceCode, name: directory.province(commune.provinceCode)!.name },
      });
    }
    expect(entry.purpose).toEqual({ code: entry.purpose!.code, name: PROCEDURE_NAMES[entry.purpose!.code] });
  }
}
