/**
 * The archive use cases without HTTP: what status evidence shows (checked now), the order in which
 * a redemption is refused, and that nothing is released when the audit trail cannot be written.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AuditEntry, AuditRecord } from '@motlan/audit/audit-record.js';
import { AuditSink } from '@motlan/audit/audit-sink.port.js';
import { ArchiveSealer } from '@motlan/citizen-archive/archive-sealer.js';
import { CitizenArchiveIntake } from '@motlan/citizen-archive/citizen-archive-intake.js';
import { embeddedArchiveFile, FileCitizenArchiveStore } from '@motlan/citizen-archive/file-citizen-archive-store.adapter.js';
import { DomainError } from '@motlan/errors/domain-error.js';
import type { EvidenceSignerService, EvidenceVerification } from '@motlan/evidence/evidence-signer.service.js';
import { VnAdminDirectory } from '@motlan/vn-admin/vn-admin-directory.js';
import { CitizenArchiveService } from './citizen-archive.service.js';

const CITIZEN = '001099012345';
const DAY = 86_400_000;

class RecordingSink extends AuditSink {
  readonly entries: AuditEntry[] = [];
  failing = false;
  async append(record: AuditEntry): Promise<void> {
    if (this.failing) throw new Error('trail down');
    this.entries.push(record);
  }
  async appendMany(records: AuditEntry[]): Promise<void> {
    for (const record of records) await this.append(record);
  }
}

function jws(version: string): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const iat = Math.floor(Date.now() / 1000);
  return `${part({ alg: 'EdDSA', kid: 'k1' })}.${part({ iss: 'urn:motlan:gateway', iat, exp: iat + 3600, registry: 'population', dataset: 'person', subjectId: CITIZEN, version, fields: ['fullName'] })}.c2ln`;
}

describe('CitizenArchiveService', () => {
  const directory = VnAdminDirectory.load();
  let store: FileCitizenArchiveStore;
  let sink: RecordingSink;
  let verdict: EvidenceVerification;
  let now: number;
  let service: CitizenArchiveService;
  const sealer = new ArchiveSealer(randomBytes(32));
  const clerk = { clientId: 'one-stop-00004', scopes: new Set(['archive:redeem']), communeCode: '00004' };
  const headers = (dossierId: string) => ({ officerId: 'officer-1', dossierId, requestId: 'req-svc-a' });

  beforeEach(async () => {
    store = new FileCitizenArchiveStore({ file: embeddedArchiveFile(mkdtempSync(path.join(tmpdir(), 'motlan-archive-svc-'))) });
    await store.load();
    sink = new RecordingSink();
    verdict = { valid: true } as EvidenceVerification;
    now = Date.now();
    const signer = { verify: async () => verdict } as unknown as EvidenceSignerService;
    service = new CitizenArchiveService(store, sealer, signer, sink, directory, { shareMaxDays: 30, now: () => now });
    const intake = new CitizenArchiveIntake(store, sealer, { maxQueued: 10, retentionMs: 30 * DAY });
    intake.offer({ subjectId: CITIZEN, jws: jws('1'), communeCode: '00004', dossierId: 'D-1', purpose: '1.004222' });
    await intake.flush();
  });
  afterEach(() => store.close());

  it('shows evidence as the signer judges it now: valid, expired, revoked, or unverifiable', async () => {
    const cases: Array<[EvidenceVerification, string]> = [
      [{ valid: true } as EvidenceVerification, 'valid'],
      [{ valid: false, reason: 'expired', detail: '' }, 'expired'],
      [{ valid: false, reason: 'revoked', detail: '' }, 'revoked'],
      [{ valid: false, reason: 'unknown_key', detail: '' }, 'unverifiable'],
    ];
    for (const [given, status] of cases) {
      verdict = given;
      expect((await service.list(CITIZEN)).map((i) => i.status)).toEqual([status]);
    }
  });

  it('refuses a redemption for the first reason that applies, and audits each refusal with the share', async () => {
    const [item] = await service.list(CITIZEN);
    const made = await service.share(CITIZEN, item.id, { communeCode: '00004', dossierId: 'D-2', validUntil: new Date(now + DAY).toISOString() }, 'req-svc-b');
    const reasonOf = async (promise: Promise<unknown>) =>
      promise.then(
        () => 'answered',
        (error: DomainError) => `${error.code}:${String(error.extensions.reason ?? '')}`,
      );
    expect(await reasonOf(service.redeem({ ...clerk, communeCode: undefined }, made.reference, headers('D-2')))).toBe('commune_required:');
    expect(await reasonOf(service.redeem({ ...clerk, communeCode: '00007' }, made.reference, headers('D-2')))).toBe('share_invalid:other_commune');
    expect(await reasonOf(service.redeem(clerk, made.reference, headers('D-3')))).toBe('share_invalid:other_dossier');
    expect(await reasonOf(service.redeem(clerk, made.reference, headers('D-2')))).toBe('answered');
    now += DAY;
    expect(await reasonOf(service.redeem(clerk, made.reference, headers('D-2')))).toBe('share_invalid:expired');
    const redemptions = sink.entries.filter((e): e is AuditRecord => e.type === 'access');
    expect(redemptions.map((r) => [r.outcome, r.code ?? null, r.shareId])).toEqual([
      ['refused', 'commune_required', made.id],
      ['refused', 'share_invalid', made.id],
      ['refused', 'share_invalid', made.id],
      ['answered', null, made.id],
      ['refused', 'share_invalid', made.id],
    ]);
    expect(redemptions[3]).toMatchObject({ subjectId: CITIZEN, via: 'archive-share', registry: 'population', dataset: 'person', fields: ['fullName'] });
  });

  it('releases nothing when the redemption cannot be audited', async () => {
    const [item] = await service.list(CITIZEN);
    const made = await service.share(CITIZEN, item.id, { communeCode: '00004', dossierId: 'D-2', validUntil: new Date(now + DAY).toISOString() }, 'req-svc-c');
    sink.failing = true;
    await expect(service.redeem(clerk, made.reference, headers('D-2'))).rejects.toMatchObject({ code: 'audit_unavailable', status: 503 });
  });
});
