import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ArchiveSealer } from './archive-sealer.js';
import { CitizenArchiveIntake } from './citizen-archive-intake.js';
import { CitizenArchiveStoreUnavailableError } from './citizen-archive-store.port.js';
import { embeddedArchiveFile, FileCitizenArchiveStore } from './file-citizen-archive-store.adapter.js';

const CITIZEN = '001099012345';
const DAY = 86_400_000;

/** A JWS-shaped string with the claims the intake reads (it does not verify: the gateway signed it a moment ago). */
function jws(subjectId: string, version = '1'): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const iat = Math.floor(Date.now() / 1000);
  return `${part({ alg: 'EdDSA', kid: 'key-1', typ: 'motlan-evidence+jws' })}.${part({ iss: 'urn:motlan:gateway', iat, exp: iat + 90 * 86400, registry: 'population', dataset: 'person', subjectId, version })}.c2ln`;
}

describe('CitizenArchiveIntake', () => {
  let store: FileCitizenArchiveStore;
  const sealer = new ArchiveSealer(randomBytes(32));

  beforeEach(async () => {
    store = new FileCitizenArchiveStore({ file: embeddedArchiveFile(mkdtempSync(path.join(tmpdir(), 'motlan-intake-'))) });
    await store.load();
  });
  afterEach(() => store.close());

  it('archives a citizen’s evidence once, sealed, after offer() has returned, and links the dossier', async () => {
    const intake = new CitizenArchiveIntake(store, sealer, { maxQueued: 10, retentionMs: 30 * DAY });
    const evidence = { subjectId: CITIZEN, jws: jws(CITIZEN), communeCode: '00004', dossierId: 'D-1', purpose: '1.004222' };
    expect(intake.offer(evidence)).toBe(true);
    expect(intake.offer(evidence)).toBe(true);
    // Nothing happens on the caller's turn: the lookup answers first.
    expect(await store.list(sealer.subjectKey(CITIZEN))).toEqual([]);
    await intake.flush();
    const [item, ...more] = await store.list(sealer.subjectKey(CITIZEN));
    expect(more).toEqual([]);
    expect(item.sealed).not.toContain(CITIZEN);
    const content = sealer.open(item.sealed, item.subjectKey, item.id);
    expect(content).toMatchObject({ kind: 'evidence', registry: 'population', dataset: 'person', kid: 'key-1', dossierId: 'D-1', communeCode: '00004' });
    expect(intake.stats).toMatchObject({ archived: 1, duplicates: 1 });
    expect(await store.dossierSubjects('00004', 'D-1')).toEqual([sealer.subjectKey(CITIZEN)]);
  });

  it('recognises evidence archived already before queueing it again, and archives the same evidence for another dossier', async () => {
    const intake = new CitizenArchiveIntake(store, sealer, { maxQueued: 1, retentionMs: 30 * DAY });
    const evidence = { subjectId: CITIZEN, jws: jws(CITIZEN), communeCode: '00004', dossierId: 'D-1', purpose: '1.004222' };
    intake.offer(evidence);
    await intake.flush();
    // The queue holds one: were the repeats queued, all but the first would be dropped.
    for (let i = 0; i < 5; i++) expect(intake.offer(evidence)).toBe(true);
    expect(intake.stats).toMatchObject({ archived: 1, duplicates: 5, dropped: 0 });
    expect(intake.offer({ ...evidence, dossierId: 'D-2' })).toBe(true);
    await intake.flush();
    expect(await store.dossierSubjects('00004', 'D-2')).toEqual([sealer.subjectKey(CITIZEN)]);
    expect((await store.list(sealer.subjectKey(CITIZEN))).length).toBe(1);
    // Both links are remembered: either dossier again is recognised at once (a copy of the evidence object too).
    const before = intake.stats.duplicates;
    for (const dossierId of ['D-1', 'D-2', 'D-1']) expect(intake.offer({ ...evidence, dossierId })).toBe(true);
    expect(intake.stats.duplicates).toBe(before + 3);
    expect(intake.stats.dropped).toBe(0);
  });

  it('skips evidence about what is not a citizen, and drops rather than waits when the queue is full', async () => {
    const intake = new CitizenArchiveIntake(store, sealer, { maxQueued: 2, retentionMs: DAY });
    expect(intake.offer({ subjectId: '79-001-0001', jws: jws('79-001-0001'), communeCode: null, dossierId: null, purpose: null })).toBe(true);
    expect(intake.offer({ subjectId: CITIZEN, jws: 'not.a.jws', communeCode: null, dossierId: null, purpose: null })).toBe(true);
    expect(intake.offer({ subjectId: CITIZEN, jws: jws(CITIZEN, '2'), communeCode: null, dossierId: null, purpose: null })).toBe(false);
    await intake.flush();
    expect(intake.stats).toMatchObject({ skipped: 2, dropped: 1, archived: 0 });
    const off = new CitizenArchiveIntake(store, sealer, { maxQueued: 0, retentionMs: DAY });
    expect(off.offer({ subjectId: CITIZEN, jws: jws(CITIZEN, '3'), communeCode: null, dossierId: null, purpose: null })).toBe(false);
    await off.flush();
    expect(await store.list(sealer.subjectKey(CITIZEN))).toEqual([]);
  });

  it('counts a store that refuses, and goes on with the next evidence', async () => {
    const intake = new CitizenArchiveIntake(store, sealer, { maxQueued: 10, retentionMs: DAY });
    const put = store.put.bind(store);
    let refuse = true;
    store.put = async (item) => {
      if (refuse) {
        refuse = false;
        throw new CitizenArchiveStoreUnavailableError('down');
      }
      return put(item);
    };
    intake.offer({ subjectId: CITIZEN, jws: jws(CITIZEN, '1'), communeCode: null, dossierId: null, purpose: null });
    intake.offer({ subjectId: CITIZEN, jws: jws(CITIZEN, '2'), communeCode: null, dossierId: null, purpose: null });
    await intake.flush();
    expect(intake.stats).toMatchObject({ failed: 1, archived: 1 });
  });

  it('archives a returned result in the archive of every citizen linked to the dossier, once per status', async () => {
    const intake = new CitizenArchiveIntake(store, sealer, { maxQueued: 10, retentionMs: DAY });
    const other = '079203000111';
    for (const subjectId of [CITIZEN, other]) intake.offer({ subjectId, jws: jws(subjectId), communeCode: '00004', dossierId: 'D-9', purpose: '1.004222' });
    await intake.flush();
    const result = {
      dossierId: 'D-9',
      communeCode: '00004',
      procedureCode: '1.004222',
      sequence: 4,
      acceptedAt: new Date().toISOString(),
      documents: [{ code: 'KQ01', name: 'Giấy xác nhận', url: 'https://example.gov.vn/kq/KQ01' }],
    };
    expect(await intake.archiveResult(result)).toBe(2);
    expect(await intake.archiveResult(result)).toBe(0);
    expect(await intake.archiveResult({ ...result, communeCode: '00007' })).toBe(0);
    const items = await store.list(sealer.subjectKey(other));
    const results = items.map((i) => sealer.open(i.sealed, i.subjectKey, i.id)).filter((c) => c?.kind === 'result');
    expect(results).toEqual([expect.objectContaining({ dossierId: 'D-9', sequence: 4, documents: [expect.objectContaining({ code: 'KQ01' })] })]);
  });
});
