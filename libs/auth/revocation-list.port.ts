/**
 * Revoked tokens: one token by its `jti`, or every token of a subject (`sub`: a client system, or
 * a citizen's personal id for citizen tokens) issued until the revocation (a leaked client
 * credential, a decommissioned system, a citizen's stolen session). Checked on every request after
 * the token is verified, so it must be cheap: each instance holds the whole list in memory (it is
 * short: an entry is forgotten once every token it can match has expired) and the production
 * implementation keeps that copy in step with Redis within a second.
 */

/** What a revocation targets. */
export type RevocationTarget = { jti: string } | { clientId: string };

/** One revocation, as stored and listed. */
export interface RevocationEntry {
  kind: 'jti' | 'client';
  /** The token id, or the client id. */
  value: string;
  /** When it was revoked (RFC 3339). For a client: tokens issued up to this second are refused. */
  revokedAt: string;
  /** Once this has passed (RFC 3339) every token it can match has expired, and it is forgotten. */
  expiresAt: string;
  /** Client id of whoever revoked. */
  revokedBy: string;
  /** Free text from the operator, when given. */
  reason?: string;
}

/** What the hot path knows about a verified token. */
export interface RevocationSubject {
  readonly clientId: string;
  readonly tokenId?: string;
  /** `iat`, epoch seconds, when the token has one. */
  readonly issuedAt?: number;
}

export interface RevokeRequest {
  target: RevocationTarget;
  revokedBy: string;
  reason?: string;
}

/**
 * How long an entry must be kept: the longest a token can still be accepted after it was
 * revoked. A token accepted now has `exp <= now + maxLifetime + tolerance` and is accepted until
 * `exp + tolerance`.
 */
export function revocationRetentionMs(maxTokenLifetimeSec: number, clockToleranceSec: number): number {
  return (maxTokenLifetimeSec + 2 * clockToleranceSec + 60) * 1000;
}

/** Thrown when the shared list cannot be written now (answered 503 `revocation_unavailable`). */
export class RevocationUnavailableError extends Error {
  override readonly name = 'RevocationUnavailableError';
}

export abstract class RevocationList {
  /** Records a revocation; in force on this instance when it resolves, on the others within a second. */
  abstract revoke(request: RevokeRequest): Promise<RevocationEntry>;
  /** The revocations in force, newest first. */
  abstract list(): Promise<RevocationEntry[]>;
  /** Hot path: true when this token may no longer be used. Synchronous, local, no I/O. */
  abstract isRevoked(subject: RevocationSubject): boolean;
}

/** Field name of an entry in a store keyed by target (`jti:<id>` / `client:<id>`). */
export function revocationField(kind: RevocationEntry['kind'], value: string): string {
  return `${kind}:${value}`;
}

/** Builds the entry for a revocation made at `nowMs`. */
export function newRevocationEntry(request: RevokeRequest, nowMs: number, retentionMs: number): RevocationEntry {
  const { target } = request;
  const [kind, value] = 'jti' in target ? (['jti', target.jti] as const) : (['client', target.clientId] as const);
  if (typeof value !== 'string' || value === '') throw new TypeError('revocation target must be a non-empty string');
  return {
    kind,
    value,
    revokedAt: new Date(nowMs).toISOString(),
    expiresAt: new Date(nowMs + retentionMs).toISOString(),
    revokedBy: request.revokedBy,
    ...(request.reason ? { reason: request.reason } : {}),
  };
}

/**
 * The in-memory form of the list, as the hot path reads it: two Maps. Rebuilt from the stored
 * entries (production) or updated in place (embedded, and the revoking instance at once).
 *
 * A client revocation covers every token whose `iat` is at most the revocation time plus the
 * clock tolerance: the verifier accepts an `iat` up to that far in the future (an issuer whose
 * clock is ahead), so a token issued before the revocation may carry an `iat` after it, and
 * must not survive it. The price: tokens issued for that client in the tolerance after the
 * revocation are refused too; the client gets new ones once it has passed.
 */
export class RevocationSnapshot {
  /** jti -> expiry (epoch ms). */
  private readonly tokens = new Map<string, number>();
  /** client id -> revoked-up-to (epoch seconds, inclusive) and expiry. */
  private readonly clients = new Map<string, { upToSec: number; expiresAtMs: number }>();
  private readonly entries = new Map<string, RevocationEntry>();

  constructor(
    entries: Iterable<RevocationEntry> = [],
    nowMs = Date.now(),
    /** The token verifier's clock tolerance, s (see the class comment). */
    private readonly clockToleranceSec = 0,
  ) {
    for (const entry of entries) this.add(entry, nowMs);
  }

  /** Adds (or, for a client revoked again, moves forward) an entry; ignores one already expired. */
  add(entry: RevocationEntry, nowMs = Date.now()): void {
    const expiresAtMs = Date.parse(entry.expiresAt);
    if (!(expiresAtMs > nowMs)) return;
    if (entry.kind === 'jti') {
      this.tokens.set(entry.value, Math.max(expiresAtMs, this.tokens.get(entry.value) ?? 0));
    } else {
      // A token issued in the second of the revocation may be older or newer; it is refused.
      const upToSec = Math.floor(Date.parse(entry.revokedAt) / 1000) + this.clockToleranceSec;
      const current = this.clients.get(entry.value);
      if (current && current.upToSec > upToSec) return;
      this.clients.set(entry.value, { upToSec, expiresAtMs });
    }
    const field = revocationField(entry.kind, entry.value);
    const existing = this.entries.get(field);
    if (!existing || Date.parse(existing.revokedAt) <= Date.parse(entry.revokedAt)) this.entries.set(field, entry);
  }

  isRevoked(subject: RevocationSubject): boolean {
    if (subject.tokenId !== undefined && this.tokens.size > 0 && this.tokens.has(subject.tokenId)) return true;
    if (this.clients.size === 0) return false;
    const client = this.clients.get(subject.clientId);
    // A token without iat cannot show it was issued after the revocation.
    return client !== undefined && (subject.issuedAt === undefined || subject.issuedAt <= client.upToSec);
  }

  /** Entries still in force, newest first. */
  list(nowMs = Date.now()): RevocationEntry[] {
    return [...this.entries.values()].filter((e) => Date.parse(e.expiresAt) > nowMs).sort((a, b) => b.revokedAt.localeCompare(a.revokedAt));
  }

  /** Drops expired entries (kept lists stay short). */
  prune(nowMs = Date.now()): void {
    for (const [jti, expiresAtMs] of this.tokens) if (expiresAtMs <= nowMs) this.tokens.delete(jti);
    for (const [clientId, client] of this.clients) if (client.expiresAtMs <= nowMs) this.clients.delete(clientId);
    for (const [field, entry] of this.entries) if (Date.parse(entry.expiresAt) <= nowMs) this.entries.delete(field);
  }

  get size(): number {
    return this.entries.size;
  }
}
