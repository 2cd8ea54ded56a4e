/**
 * Adapters as the adapter API shows them (GET /v1/adapters, /v1/adapters/{id},
 * /v1/adapters/{id}/health; adapter-catalog.service.ts). Types only, importing nothing but other
 * types-only modules: the /ops page's browser code (tsconfig.ops-page.json) types its answers with
 * them, so a change here breaks the page's type check, and the erased imports put no server code
 * in its bundle.
 */
import type { AdapterResilienceState, BreakerOptions, RegistryHealth } from '@motlan/registry-client/adapter-resilience.types.js';

/** An adapter as the operator API shows it. */
export interface AdapterView {
  id: string;
  registry: string;
  endpoint: string;
  tls: 'insecure' | 'mutual-tls';
  timeoutMs: number;
  maxConcurrency: number;
  retry: { attempts: number; backoffMs: number };
  breaker: BreakerOptions;
  routing: { provinces: string[] } | null;
  /** "catalog" (registered through the API) or "config" (MOTLAN_ADAPTERS; read-only here). */
  source: 'catalog' | 'config';
  revision: number | null;
  /** Client that registered it and alone (with administrators) may change or remove it; null for configured adapters and entries older than owners. */
  owner: string | null;
  updatedBy: string | null;
  updatedAt: string | null;
  state: 'pending' | 'described' | 'incompatible';
  reason: string;
  contractVersion: string | null;
  adapterVersion: string | null;
  datasets: string[];
}

/** GET /v1/adapters */
export interface AdapterList {
  adapters: AdapterView[];
}

/** GET /v1/adapters/{id}/health */
export interface AdapterHealthView {
  id: string;
  registry: string;
  endpoint: string;
  state: AdapterView['state'];
  grpcHealth: RegistryHealth;
  resilience: AdapterResilienceState;
}
