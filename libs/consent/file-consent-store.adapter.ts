import path from 'node:path';
import { AppendOnlyLines } from '@motlan/files/append-only-lines.js';
import { parseConsent, parseConsentRequest, type Consent, type ConsentRequest } from './consent.js';
import { ConsentStore, ConsentStoreUnavailableError, DEFAULT_CONSENT_RETENTION_MS, newestFirst, type ConsentStoreOptions } from './consent-store.port.js';

/** `<data dir>/consents/consents.jsonl`: the embedded profile's consents and counter requests. */
export function embeddedConsentFile(dataDir: string): string {
  return path.join(dataDir, 'consents', 'consents.jsonl');
}

type Line =
  | { kind: 'consent'; consent: Consent }
  | { kind: 'revoke'; id: string; revokedAt: string }
  | { kind: 'request'; request: ConsentRequest }
  /** One line for both: the request used up and the consent it created, so neither is on disk without the other. */
  | { kind: 'approved'; code: string; consent: Consent };

/**
 * The embedded profile's store: held in memory, every change appended to a file (fsynced before it
 * counts) and replayed at start, so a restart keeps consents, revocations and used requests. One
 * process owns the file, as it owns the other embedded stores; within it the Maps make "use a
 * request once" atomic. Lines of consents past their retention are skipped when read back.
 */
export class FileConsentStore extends ConsentStore {
  private readonly consents = new Map<string, Consent>();
  private readonly requests = new Map<string, ConsentRequest>();
  /** Approved requests: the consent each created, until the request would have expired. */
  private readonly approvals = new Map<string, { consentId: string; expiresAt: string }>();
  private readonly lines: AppendOnlyLines;
  private readonly now: () => number;
  private readonly retentionMs: number;

  constructor(options: ConsentStoreOptions & { file: string }) {
    super();
    this.lines = new AppendOnlyLines(options.file);
    this.now = options.now ?? Date.now;
    this.retentionMs = options.retentionMs ?? DEFAULT_CONSENT_RETENTION_MS;
  }

  /** Replays the file. */
  async load(): Promise<void> {
    for (const text of await this.lines.readLines()) {
      let line: Partial<Line> & Record<string, unknown>;
      try {
        line = JSON.parse(text) as Partial<Line> & Record<string, unknown>;
      } catch {
        continue;
      }
      this.apply(line);
    }
  }

  async add(consent: Consent): Promise<void> {
    await this.write({ kind: 'consent', consent });
    this.consents.set(consent.id, consent);
  }

  async get(id: string): Promise<Consent | null> {
    const consent = this.consents.get(id);
    return consent && this.kept(consent) ? consent : null;
  }

  async listBySubject(subjectId: string): Promise<Consent[]> {
    return [...this.consents.values()].filter((c) => c.subjectId === subjectId && this.kept(c)).sort(newestFirst);
  }

  async revoke(id: string, subjectId: string, revokedAt: string): Promise<Consent | null> {
    const consent = await this.get(id);
    if (!consent || consent.subjectId !== subjectId) return null;
    if (consent.revokedAt !== null) return consent;
    await this.write({ kind: 'revoke', id, revokedAt });
    const revoked = { ...consent, revokedAt };
    this.consents.set(id, revoked);
    return revoked;
  }

  async addRequest(request: ConsentRequest): Promise<void> {
    await this.write({ kind: 'request', request });
    this.requests.set(request.code, request);
  }

  async getRequest(code: string): Promise<ConsentRequest | null> {
    return this.pending(code);
  }

  async approveRequest(code: string, consent: Consent): Promise<boolean> {
    const request = this.pending(code);
    if (!request) return false;
    // Found and taken out of the Map with no await in between: a concurrent approval finds it gone.
    this.requests.delete(code);
    try {
      await this.write({ kind: 'approved', code, consent });
    } catch (error) {
      // Not written: the request is still pending on disk, so it stays pending here too.
      this.requests.set(code, request);
      throw error;
    }
    this.consents.set(consent.id, consent);
    this.approvals.set(code, { consentId: consent.id, expiresAt: request.expiresAt });
    return true;
  }

  async approvedConsentId(code: string): Promise<string | null> {
    const approval = this.approvals.get(code);
    if (!approval) return null;
    if (Date.parse(approval.expiresAt) <= this.now()) {
      this.approvals.delete(code);
      return null;
    }
    return approval.consentId;
  }

  async close(): Promise<void> {
    await this.lines.close();
  }

  async onModuleDestroy(): Promise<void> {
    await this.close();
  }

  private pending(code: string): ConsentRequest | null {
    const request = this.requests.get(code);
    if (!request) return null;
    if (Date.parse(request.expiresAt) <= this.now()) {
      this.requests.delete(code);
      return null;
    }
    return request;
  }

  /** Holds a consent read back from the file unless malformed or past its retention. */
  private loaded(value: unknown): Consent | null {
    const consent = parseConsent(value);
    if (!consent || !this.kept(consent)) return null;
    this.consents.set(consent.id, consent);
    return consent;
  }

  private kept(consent: Consent): boolean {
    return Date.parse(consent.validUntil) + this.retentionMs > this.now();
  }

  private apply(line: Partial<Line> & Record<string, unknown>): void {
    switch (line.kind) {
      case 'approved': {
        const request = typeof line.code === 'string' ? this.requests.get(line.code) : undefined;
        const consent = this.loaded(line.consent);
        if (request && consent) {
          this.requests.delete(request.code);
          this.approvals.set(request.code, { consentId: consent.id, expiresAt: request.expiresAt });
        }
        break;
      }
      case 'consent':
        this.loaded(line.consent);
        break;
      case 'revoke': {
        const consent = typeof line.id === 'string' ? this.consents.get(line.id) : undefined;
        if (consent && consent.revokedAt === null && typeof line.revokedAt === 'string')
          this.consents.set(consent.id, { ...consent, revokedAt: line.revokedAt });
        break;
      }
      case 'request': {
        const request = parseConsentRequest(line.request);
        if (request && Date.parse(request.expiresAt) > this.now()) this.requests.set(request.code, request);
        break;
      }
      default:
        break;
    }
  }

  private async write(line: Line): Promise<void> {
    try {
      await this.lines.append(JSON.stringify(line));
    } catch (error) {
      throw new ConsentStoreUnavailableError(`consents could not be saved: ${(error as Error).message}`);
    }
  }
}
