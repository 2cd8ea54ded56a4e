import { Logger, type OnModuleDestroy } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { AuditSink } from '@motlan/audit/audit-sink.port.js';
import type { AuditEntry, RefusalSummaryAuditRecord } from '@motlan/audit/audit-record.js';
import { DomainError, ErrorCodes } from '@motlan/errors/domain-error.js';
import { takeFromBucket, UNLIMITED, type RateDecision, type RateLimit } from '@motlan/rate-limit/rate-limiter.port.js';

/** How anonymous refusals are limited and audited (GatewayConfig.anonymous). */
export interface AnonymousRefusalSettings {
  /** Refusals per second a source address may cause (its bucket refills at this rate); 0: no limit. */
  perSecond: number;
  /** Bucket size per source address. */
  burst: number;
  /** Length of one counting interval; its summary record is written at its end. */
  auditIntervalMs: number;
  /** Refusals per source address recorded one by one in an interval. */
  auditFullPerAddress: number;
  /** Refusals recorded one by one in an interval, all addresses together. */
  auditFullTotal: number;
}

/** Addresses listed in a summary record; the rest are counted together. */
export const SUMMARY_MAX_SOURCES = 100;
/** Addresses whose counts are kept in one interval (an IPv6 flood can use many); the rest count as "other". */
const MAX_TRACKED_ADDRESSES = 10_000;
/** Buckets kept at most; a bucket dropped comes back full, which only errs towards answering. */
const MAX_BUCKETS = 100_000;

/** 429 `rate_limited` for a source address that caused too many refusals without a valid token. */
export class AnonymousRateLimitedError extends DomainError {
  constructor(retryAfterMs: number) {
    const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
    super(
      ErrorCodes.rateLimited,
      429,
      'Too many requests',
      `too many refused requests without a valid token from this address; retry in ${seconds} s`,
      {},
      seconds,
    );
  }
}

interface AddressCount {
  full: number;
  counted: number;
}

/**
 * Requests refused without a verified client token (no token, a bad one, an unknown route, a
 * malformed request) name nobody, cost nothing to send, and were each written to the audit
 * trail: a flood could fill the disk until lookups answer 503. Two bounds, both in this process
 * (each instance protects itself; an attacker spreading over instances is bounded per instance):
 *
 * - a token bucket per source address (the TCP peer): once empty, such requests are answered 429
 *   `rate_limited` instead; requests with a valid token are never limited here;
 * - per interval, the first refusals of each address (and of all addresses together) are audited
 *   one by one, as before, so that a client's mistakes stay visible with their request ids; the
 *   rest are only counted, and one `refusal_summary` record per interval carries the counts per
 *   code and per address. An anonymous flood costs the trail at most
 *   `auditFullTotal + 1` records per interval, whatever its rate. Counts not yet written are lost
 *   if the process dies (they are flushed on a clean shutdown): a refusal releases nothing.
 */
export class AnonymousRefusals implements OnModuleDestroy {
  private readonly logger = new Logger('AnonymousRefusals');
  private readonly limit: RateLimit | null;
  private readonly buckets = new LRUCache<string, { tokens: number; atMs: number }>({ max: MAX_BUCKETS });
  private readonly timer: NodeJS.Timeout;
  private intervalStartMs: number;
  private full = 0;
  private counted = 0;
  private otherSources = 0;
  private readonly codes = new Map<string, number>();
  private readonly addresses = new Map<string, AddressCount>();

  constructor(
    private readonly audit: AuditSink,
    private readonly settings: AnonymousRefusalSettings,
    private readonly now: () => number = Date.now,
  ) {
    this.limit = settings.perSecond > 0 ? { perSecond: settings.perSecond, burst: settings.burst } : null;
    this.intervalStartMs = now();
    this.timer = setInterval(() => void this.flush(), settings.auditIntervalMs);
    // A timer must not keep a stopping process (or a test run) alive.
    this.timer.unref();
  }

  /** Takes one token from the address's bucket: refused when the address is over its limit. Synchronous, no I/O. */
  admit(address: string): RateDecision {
    if (this.limit === null) return UNLIMITED;
    const nowMs = this.now();
    let bucket = this.buckets.get(address);
    if (bucket === undefined) {
      bucket = { tokens: this.limit.burst, atMs: nowMs };
      this.buckets.set(address, bucket);
    }
    return takeFromBucket(bucket, this.limit, nowMs, 1);
  }

  /**
   * Records an anonymous refusal: `record` is written when the address and the interval still
   * have an allowance (resolves when written; rejects when the write fails), else only counted
   * (resolves at once).
   */
  record(address: string, code: string, record: AuditEntry): Promise<void> {
    let count = this.addresses.get(address);
    if (count === undefined && this.addresses.size < MAX_TRACKED_ADDRESSES) {
      count = { full: 0, counted: 0 };
      this.addresses.set(address, count);
    }
    if (count !== undefined && count.full < this.settings.auditFullPerAddress && this.full < this.settings.auditFullTotal) {
      count.full++;
      this.full++;
      return this.audit.append(record);
    }
    this.counted++;
    this.codes.set(code, (this.codes.get(code) ?? 0) + 1);
    if (count !== undefined) count.counted++;
    else this.otherSources++;
    return Promise.resolve();
  }

  /** Writes the summary of the interval now ending (when it counted anything) and starts the next one. */
  async flush(): Promise<void> {
    const nowMs = this.now();
    const summary = this.counted > 0 ? this.summary(nowMs) : undefined;
    this.intervalStartMs = nowMs;
    this.full = 0;
    this.counted = 0;
    this.otherSources = 0;
    this.codes.clear();
    this.addresses.clear();
    if (summary === undefined) return;
    await this.audit
      .append(summary)
      .catch((error: Error) => this.logger.error({ reason: error.message, count: summary.count }, 'audit write failed for a refusal summary'));
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  private summary(nowMs: number): RefusalSummaryAuditRecord {
    const counted = [...this.addresses].filter(([, c]) => c.counted > 0).sort((a, b) => b[1].counted - a[1].counted);
    const listed = counted.slice(0, SUMMARY_MAX_SOURCES);
    const unlisted = counted.slice(SUMMARY_MAX_SOURCES).reduce((sum, [, c]) => sum + c.counted, 0);
    return {
      type: 'refusal_summary',
      time: new Date(nowMs).toISOString(),
      from: new Date(this.intervalStartMs).toISOString(),
      to: new Date(nowMs).toISOString(),
      count: this.counted,
      codes: Object.fromEntries(this.codes),
      sources: listed.map(([address, c]) => ({ address, count: c.counted })),
      otherSources: this.otherSources + unlisted,
    };
  }
}
