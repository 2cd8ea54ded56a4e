import { Logger } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { parseCccd } from '@motlan/identifiers/subject-id.js';
import { DOSSIER_LINK_TTL_MS, type ArchiveContent, type EvidenceContent } from './archive-item.js';
import type { ArchiveSealer } from './archive-sealer.js';
import type { CitizenArchiveStore } from './citizen-archive-store.port.js';

/** Evidence released to a client system, as the lookup path hands it over (nothing computed yet). */
export interface IssuedEvidence {
  /** The evidence's subject: archived only when it is a citizen's personal id. */
  subjectId: string;
  jws: string;
  /** The client's commune and the dossier the lookup named, when it had them: the dossier is then linked to the citizen. */
  communeCode: string | null;
  dossierId: string | null;
  purpose: string | null;
}

/** A result returned for a commune's dossier (dossier status 10). */
export interface ReturnedResult {
  dossierId: string;
  communeCode: string;
  procedureCode: string;
  sequence: number;
  acceptedAt: string;
  documents: Array<{ code: string; name: string; url?: string | null }>;
}

export interface CitizenArchiveIntakeOptions {
  /** Evidence waiting to be archived at most; beyond it new evidence is not archived (counted in `dropped`). 0: none is. */
  maxQueued: number;
  /** How long an item is kept after it was archived. */
  retentionMs: number;
  now?: () => number;
}

export interface CitizenArchiveIntakeStats {
  archived: number;
  /** Already in the citizen's archive (signatures are reused, so most lookups of a record repeat its evidence). */
  duplicates: number;
  /** Not archived: the queue was full. */
  dropped: number;
  /** Not archived: the store refused the write. */
  failed: number;
  /** Not a citizen's evidence (a parcel, an enterprise) or unreadable. */
  skipped: number;
}

/**
 * Puts what the state issued about a citizen into their archive, off the request path: a lookup
 * hands its released evidence to {@link offer} (a push onto a bounded in-process queue, no crypto,
 * no I/O) and answers; a drain loop in the background reads the evidence's claims, seals it and
 * writes it to the store, and links the dossier to the citizen. What is queued when the process
 * dies is not archived (the evidence was released and audited; the archive is a convenience copy,
 * documented as such), and a full queue drops rather than slows lookups down.
 */
export class CitizenArchiveIntake {
  private readonly logger = new Logger('CitizenArchive');
  private readonly queue: IssuedEvidence[] = [];
  private draining?: Promise<void>;
  private readonly now: () => number;
  /** Item ids archived lately: the same evidence again costs no sealing and no write. */
  private readonly recent = new LRUCache<string, true>({ max: 10_000 });
  /**
   * Evidence archived lately, as handed over: by its JWS, the dossier links it came with (see
   * offer). Keyed by the JWS itself: the signer hands out one string per signature, whose hash V8
   * computes once, where a key built per lookup was hashed afresh each time (1.9 µs of a cached
   * lookup in the embedded profile). The keys are the signer's strings; at most 10,000 are kept.
   */
  private readonly seen = new LRUCache<string, string[]>({ max: 10_000 });
  /** Dossier links written lately: every lookup of a dossier names it again, and a link a day old is as good as a new one. */
  private readonly linked = new LRUCache<string, true>({ max: 10_000, ttl: 86_400_000 });
  readonly stats: CitizenArchiveIntakeStats = { archived: 0, duplicates: 0, dropped: 0, failed: 0, skipped: 0 };

  constructor(
    private readonly store: CitizenArchiveStore,
    private readonly sealer: ArchiveSealer,
    private readonly options: CitizenArchiveIntakeOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** Queues evidence for archiving; false when the queue is full (it is then not archived). Never throws, never waits. */
  offer(evidence: IssuedEvidence): boolean {
    // Evidence signatures are reused (evidence.md), so most lookups hand over evidence archived a
    // moment ago: recognised here by its JWS and its dossier link, before any parsing,
    // hashing or queueing (they cost about 60 µs of each cached lookup in the api-role profile).
    if (this.seen.get(evidence.jws)?.includes(dossierLink(evidence))) {
      this.stats.duplicates++;
      return true;
    }
    if (this.queue.length >= this.options.maxQueued) {
      this.stats.dropped++;
      // The first drop, then every thousandth: a store down for long must not flood the log as well.
      if (this.options.maxQueued > 0 && this.stats.dropped % 1000 === 1)
        this.logger.warn({ dropped: this.stats.dropped, queued: this.queue.length }, 'evidence not archived: the archive queue is full (is the store down?)');
      return false;
    }
    this.queue.push(evidence);
    // Started on a later turn: the lookup that offered finishes its answer first.
    this.draining ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.drain());
    return true;
  }

  /** Resolves once everything offered so far has been archived (or given up on): for shutdown and tests. */
  async flush(): Promise<void> {
    while (this.draining) await this.draining;
  }

  /** Archives a returned result in the archive of every citizen linked to its dossier; rejects when the store cannot be written (the caller retries). */
  async archiveResult(result: ReturnedResult): Promise<number> {
    const subjects = await this.store.dossierSubjects(result.communeCode, result.dossierId);
    const content: ArchiveContent = {
      kind: 'result',
      dossierId: result.dossierId,
      communeCode: result.communeCode,
      procedureCode: result.procedureCode,
      sequence: result.sequence,
      issuedAt: result.acceptedAt,
      documents: result.documents.map((d) => ({ code: d.code, name: d.name, url: d.url ?? null })),
    };
    let archived = 0;
    for (const subjectKey of subjects) {
      if (await this.put(subjectKey, `result\n${result.communeCode}\n${result.dossierId}\n${result.sequence}`, content)) archived++;
    }
    return archived;
  }

  private remember(evidence: IssuedEvidence): void {
    const link = dossierLink(evidence);
    const links = this.seen.get(evidence.jws);
    if (!links) this.seen.set(evidence.jws, [link]);
    else if (!links.includes(link)) {
      // The same record looked up for many dossiers: the latest few are enough to spare most work.
      if (links.length >= LINKS_KEPT_PER_EVIDENCE) links.shift();
      links.push(link);
    }
  }

  private async drain(): Promise<void> {
    try {
      for (let evidence = this.queue.shift(); evidence; evidence = this.queue.shift()) {
        try {
          await this.archiveEvidence(evidence);
          this.remember(evidence);
        } catch (error) {
          this.stats.failed++;
          this.logger.warn({ reason: (error as Error).message }, 'evidence not archived: the archive store refused the write');
        }
      }
    } finally {
      this.draining = undefined;
    }
  }

  private async archiveEvidence(evidence: IssuedEvidence): Promise<void> {
    const content = parseCccd(evidence.subjectId) === null ? null : evidenceContent(evidence);
    if (!content) {
      this.stats.skipped++;
      return;
    }
    const subjectKey = this.sealer.subjectKey(evidence.subjectId);
    const link = `${evidence.communeCode}\n${evidence.dossierId}\n${subjectKey}`;
    if (evidence.dossierId !== null && evidence.communeCode !== null && !this.linked.has(link)) {
      await this.store.linkDossier({
        communeCode: evidence.communeCode,
        dossierId: evidence.dossierId,
        subjectKey,
        forgetAt: new Date(this.now() + DOSSIER_LINK_TTL_MS).toISOString(),
      });
      this.linked.set(link, true);
    }
    await this.put(subjectKey, `evidence\n${evidence.jws}`, content);
  }

  private async put(subjectKey: string, identity: string, content: ArchiveContent): Promise<boolean> {
    const id = this.sealer.itemId(subjectKey, identity);
    if (this.recent.has(`${subjectKey}/${id}`)) {
      this.stats.duplicates++;
      return false;
    }
    const now = this.now();
    const stored = await this.store.put({
      id,
      subjectKey,
      storedAt: new Date(now).toISOString(),
      forgetAt: new Date(now + this.options.retentionMs).toISOString(),
      sealed: this.sealer.seal(content, subjectKey, id),
    });
    this.recent.set(`${subjectKey}/${id}`, true);
    if (stored) this.stats.archived++;
    else this.stats.duplicates++;
    return stored;
  }
}

/** Dossier links remembered per evidence in `seen`. */
const LINKS_KEPT_PER_EVIDENCE = 8;

/** The commune and dossier evidence was handed over with. */
function dossierLink(evidence: IssuedEvidence): string {
  return `${evidence.communeCode}\n${evidence.dossierId}`;
}

/** The claims of the evidence, read without verifying (the gateway signed it a moment ago); null when unreadable. */
function evidenceContent(evidence: IssuedEvidence): EvidenceContent | null {
  const [header, payload] = evidence.jws.split('.');
  try {
    const { kid } = JSON.parse(Buffer.from(header ?? '', 'base64url').toString('utf8')) as { kid?: unknown };
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
    const { iss, iat, exp, registry, dataset } = claims;
    if (typeof kid !== 'string' || typeof iss !== 'string' || typeof registry !== 'string' || typeof dataset !== 'string') return null;
    if (!Number.isInteger(iat) || !Number.isInteger(exp)) return null;
    return {
      kind: 'evidence',
      jws: evidence.jws,
      registry,
      dataset,
      issuer: iss,
      issuedAt: new Date((iat as number) * 1000).toISOString(),
      expiresAt: new Date((exp as number) * 1000).toISOString(),
      kid,
      communeCode: evidence.communeCode,
      dossierId: evidence.dossierId,
      purpose: evidence.purpose,
    };
  } catch {
    return null;
  }
}
