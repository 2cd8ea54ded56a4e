import type { BreakerOptions } from '@motlan/registry-client/guarded-adapter.js';

/**
 * What a registry operator registers: one adapter endpoint of one registry, how to reach it
 * securely, how hard the gateway may lean on it, and (for shards) which provinces it serves.
 * Stored as-is in the adapter catalog; never holds a private key itself (see AdapterTls).
 */
export interface AdapterManifest {
  /** Stable id chosen by the operator, e.g. "population-hn-1" (lowercase, digits, dashes). */
  id: string;
  /** Registry it serves, e.g. "population"; must match what the adapter's Describe says. */
  registry: string;
  /** host:port of the adapter's gRPC server. */
  endpoint: string;
  tls: AdapterTls;
  /** Time budget of one lookup (retries included) or Describe. */
  timeoutMs: number;
  /** Calls in flight to this adapter; the excess is refused at once with 503 + Retry-After. */
  maxConcurrency: number;
  /** Lookups only (they are idempotent reads): total attempts and base of the jittered backoff. */
  retry: { attempts: number; backoffMs: number };
  /** Circuit breaker settings; each one left out takes the gateway's default (MOTLAN_BREAKER_*). */
  breaker?: Partial<BreakerOptions>;
  /** Shard rule: 2-digit (2025) province codes this adapter serves; absent = every province. */
  routing?: { provinces?: string[] };
}

/**
 * Transport security. `insecure` (plaintext) is accepted for loopback endpoints only, unless the
 * gateway is configured to allow it elsewhere. Otherwise mutual TLS: `ca` pins the adapter's CA,
 * `cert` is the gateway's client certificate; each is PEM text or a reference "file:/path" (inside
 * the gateway's adapter TLS directory) or "env:MOTLAN_ADAPTER_TLS_…" (see TlsMaterialReader). `key`
 * (the client private key) must be a reference: it is never stored in the catalog.
 */
export type AdapterTls = { insecure: true } | { ca: string; cert: string; key: string };

/** One catalog entry: the manifest plus who owns it, who last changed it and when. */
export interface AdapterCatalogEntry {
  manifest: AdapterManifest;
  /**
   * Client id (token `sub`) that registered it: only that client (or an `adapters:admin`) may
   * change or remove it. Absent in entries written before owners were recorded; those can be
   * changed by an administrator only.
   */
  owner?: string;
  /** Client id (token `sub`) that registered or last updated it; "config" for MOTLAN_ADAPTERS. */
  updatedBy: string;
  /** RFC 3339 time of the change. */
  updatedAt: string;
  /** 1 on registration, +1 on every update. */
  revision: number;
}

/** A change seen in the catalog: `entry` null means the adapter was removed (a tombstone). */
export interface AdapterCatalogChange {
  id: string;
  entry: AdapterCatalogEntry | null;
}
