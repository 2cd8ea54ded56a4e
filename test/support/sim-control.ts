/**
 * The registry simulator's control API (apps/registry-sim), as the suites drive it: faults,
 * samples of subject ids, call figures, record changes. Each helper takes the simulator's
 * control URL (`RunningRegistrySim.controlUrl`).
 */

/** Calls the control API; returns the JSON answer (undefined when empty) and throws with status and body on non-2xx. */
export async function simControl<T = unknown>(controlUrl: string, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(controlUrl + path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/** `n` subject ids the simulator holds for `registry`/`dataset`; `extraQuery` is appended as is (e.g. "&province=01"). */
export async function simSamples(controlUrl: string, registry: string, dataset: string, n: number, extraQuery = ''): Promise<string[]> {
  const { samples } = await simControl<{ samples: string[] }>(controlUrl, 'GET', `/sim/samples?registry=${registry}&dataset=${dataset}&n=${n}${extraQuery}`);
  return samples;
}

/** Calls a simulated registry has served since start (or the last /sim/stats/reset). */
export interface SimCalls {
  lookups: number;
  failedLookups: number;
  lookupsByDataset: Record<string, number>;
}

export async function simCalls(controlUrl: string, registry: string): Promise<SimCalls> {
  const { registries } = await simControl<{ registries: { name: string; calls: SimCalls }[] }>(controlUrl, 'GET', '/sim/registries');
  return registries.find((r) => r.name === registry)!.calls;
}
