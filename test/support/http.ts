/**
 * HTTP helpers shared by the e2e and integration suites: one call to a running gateway, the
 * headers a lookup needs, and a figure read from /metrics.
 */

/** What a call answered: the body is parsed JSON, or {} when the response has none. */
export interface HttpAnswer<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
  ms: number;
}

export interface HttpCallOptions {
  /** Sent as `authorization: Bearer <token>`. */
  token?: string;
  /** Extra request headers (after the token, so an `authorization` here wins). */
  headers?: Record<string, string>;
  /** Sent as JSON, with `content-type: application/json`. */
  body?: unknown;
}

/** One request to `baseUrl + path`, timed from sending to the end of the body. */
export async function httpCall<T = Record<string, unknown>>(
  baseUrl: string,
  method: string,
  path: string,
  options: HttpCallOptions = {},
): Promise<HttpAnswer<T>> {
  const { token, headers = {}, body } = options;
  const started = performance.now();
  const response = await fetch(baseUrl + path, {
    method,
    headers: {
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      ...headers,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : {}) as T, ms: performance.now() - started };
}

/** The purpose and officer headers every lookup carries. */
export function officerHeaders(officerId = 'officer-001', purpose = '1.004222'): Record<string, string> {
  return { 'x-purpose': purpose, 'x-officer-id': officerId };
}

/**
 * A procedure of the shipped catalog (deploy/catalog/procedures.v1.json) that may read the
 * registry a lookup names (a registry name or a /v1/registries/... path): permanent residence
 * registration (1.004222) reads persons, households, parcels and births; enterprises are read by
 * land-use right change registration (1.003010). Each returns its own fields when none are asked.
 */
export function purposeFor(registryOrPath: string): string {
  const registry = registryOrPath.startsWith('/v1/registries/') ? registryOrPath.split('/')[3] : registryOrPath;
  return registry === 'business' ? '1.003010' : '1.004222';
}

/** The number at the end of the first line of `baseUrl`/metrics matching `line`, or undefined when none does. */
export async function metricValue(baseUrl: string, line: RegExp): Promise<number | undefined> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const match = text.split('\n').find((l) => line.test(l));
  return match === undefined ? undefined : Number(match.split(' ').at(-1));
}
