import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InMemoryRevocationList } from './in-memory-revocation-list.adapter.js';
import { revocationRetentionMs, RevocationSnapshot, RevocationUnavailableError } from './revocation-list.port.js';

const RETENTION = revocationRetentionMs(3600, 30);
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'motlan-revocations-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('RevocationSnapshot', () => {
  const nowMs = Date.parse('2026-11-23T10:00:00.500Z');
  const nowSec = Math.floor(nowMs / 1000);
  const entry = (kind: 'jti' | 'client', value: string, at = nowMs) => ({
    kind,
    value,
    revokedAt: new Date(at).toISOString(),
    expiresAt: new Date(at + RETENTION).toISOString(),
    revokedBy: 'ops',
  });

  it('refuses a revoked jti, whatever the client', () => {
    const snapshot = new RevocationSnapshot([entry('jti', 'j-1')], nowMs);
    expect(snapshot.isRevoked({ clientId: 'a', tokenId: 'j-1', issuedAt: nowSec })).toBe(true);
    expect(snapshot.isRevoked({ clientId: 'a', tokenId: 'j-2', issuedAt: nowSec })).toBe(false);
    expect(snapshot.isRevoked({ clientId: 'a' })).toBe(false);
  });

  it('with a clock tolerance, also refuses tokens of a revoked client whose iat is up to the tolerance after the revocation', () => {
    const snapshot = new RevocationSnapshot([entry('client', 'c-1')], nowMs, 30);
    // Issued before the revocation by an issuer whose clock runs up to 30 s ahead.
    expect(snapshot.isRevoked({ clientId: 'c-1', issuedAt: nowSec + 30 })).toBe(true);
    expect(snapshot.isRevoked({ clientId: 'c-1', issuedAt: nowSec + 31 })).toBe(false);
  });

  it('the lists apply the clock tolerance they are given', async () => {
    const list = new InMemoryRevocationList({ retentionMs: RETENTION, clockToleranceSec: 30, now: () => nowMs });
    await list.revoke({ target: { clientId: 'c-2' }, revokedBy: 'ops' });
    expect(list.isRevoked({ clientId: 'c-2', issuedAt: nowSec + 30 })).toBe(true);
    expect(list.isRevoked({ clientId: 'c-2', issuedAt: nowSec + 31 })).toBe(false);
    const file = join(dir, 'revocations.json');
    const saved = new InMemoryRevocationList({ retentionMs: RETENTION, clockToleranceSec: 30, file, now: () => nowMs });
    await saved.revoke({ target: { clientId: 'c-3' }, revokedBy: 'ops' });
    const reloaded = new InMemoryRevocationList({ retentionMs: RETENTION, clockToleranceSec: 30, file, now: () => nowMs });
    await reloaded.load();
    expect(reloaded.isRevoked({ clientId: 'c-3', issuedAt: nowSec + 30 })).toBe(true);
  });

  it('refuses tokens of a revoked client issued up to the second of the revocation, and tokens without iat', () => {
    const snapshot = new RevocationSnapshot([entry('client', 'c-1')], nowMs);
    expect(snapshot.isRevoked({ clientId: 'c-1', issuedAt: nowSec - 100 })).toBe(true);
    expect(snapshot.isRevoked({ clientId: 'c-1', issuedAt: nowSec })).toBe(true);
    expect(snapshot.isRevoked({ clientId: 'c-1', issuedAt: nowSec + 1 })).toBe(false);
    expect(snapshot.isRevoked({ clientId: 'c-1' })).toBe(true);
    expect(snapshot.isRevoked({ clientId: 'c-2', issuedAt: nowSec - 100 })).toBe(false);
  });

  it('moves a client revocation forward, never back, and forgets expired entries', () => {
    const snapshot = new RevocationSnapshot([entry('client', 'c-1', nowMs + 10_000), entry('client', 'c-1')], nowMs);
    expect(snapshot.isRevoked({ clientId: 'c-1', issuedAt: nowSec + 5 })).toBe(true);
    expect(snapshot.list(nowMs)).toHaveLength(1);
    snapshot.add(entry('jti', 'old', nowMs - RETENTION - 1), nowMs);
    expect(snapshot.isRevoked({ clientId: 'x', tokenId: 'old' })).toBe(false);
    snapshot.prune(nowMs + RETENTION + 20_000);
    expect(snapshot.size).toBe(0);
    expect(snapshot.isRevoked({ clientId: 'c-1', issuedAt: nowSec })).toBe(false);
  });
});

describe('InMemoryRevocationList', () => {
  it('revokes by jti and by client id, lists newest first', async () => {
    let now = Date.now();
    const list = new InMemoryRevocationList({ retentionMs: RETENTION, now: () => now });
    const issuedAt = Math.floor(now / 1000) - 10;
    const byJti = await list.revoke({ target: { jti: 'j-1' }, revokedBy: 'ops', reason: 'leaked in a log' });
    expect(byJti).toMatchObject({ kind: 'jti', value: 'j-1', revokedBy: 'ops', reason: 'leaked in a log' });
    expect(Date.parse(byJti.expiresAt) - Date.parse(byJti.revokedAt)).toBe(RETENTION);
    expect(list.isRevoked({ clientId: 'a', tokenId: 'j-1', issuedAt })).toBe(true);
    now += 1000;
    await list.revoke({ target: { clientId: 'commune-9' }, revokedBy: 'ops' });
    expect(list.isRevoked({ clientId: 'commune-9', tokenId: 'j-9', issuedAt })).toBe(true);
    expect((await list.list()).map((e) => e.value)).toEqual(['commune-9', 'j-1']);
    now += RETENTION + 1;
    expect(await list.list()).toEqual([]);
  });

  it('keeps the list in a file across restarts', async () => {
    const file = join(dir, 'revocations', 'revocations.json');
    const first = new InMemoryRevocationList({ retentionMs: RETENTION, file });
    await first.load();
    await first.revoke({ target: { jti: 'j-1' }, revokedBy: 'ops' });
    await first.revoke({ target: { clientId: 'c-1' }, revokedBy: 'ops' });
    const second = new InMemoryRevocationList({ retentionMs: RETENTION, file });
    await second.load();
    expect(second.isRevoked({ clientId: 'x', tokenId: 'j-1' })).toBe(true);
    expect(second.isRevoked({ clientId: 'c-1', issuedAt: Math.floor(Date.now() / 1000) - 5 })).toBe(true);
    expect(await second.list()).toHaveLength(2);
  });

  it('enforces a revocation it could not save, and says so', async () => {
    const blocker = join(dir, 'not-a-dir');
    await mkdir(dir, { recursive: true });
    await writeFile(blocker, 'x');
    const list = new InMemoryRevocationList({ retentionMs: RETENTION, file: join(blocker, 'revocations.json') });
    await expect(list.revoke({ target: { jti: 'j-1' }, revokedBy: 'ops' })).rejects.toBeInstanceOf(RevocationUnavailableError);
    expect(list.isRevoked({ clientId: 'x', tokenId: 'j-1' })).toBe(true);
  });
});
