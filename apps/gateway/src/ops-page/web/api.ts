/**
 * The /ops page's access to the gateway API: the operator's bearer token, kept in this tab only
 * (sessionStorage), and GET requests that fail with a typed ApiError the page can describe.
 */

/** Shorter than the refresh period, so a hung gateway shows as unreachable instead of freezing the page. */
const TIMEOUT_MS = 4500;
const TOKEN_KEY = 'motlan.ops.token';

export type ApiErrorKind = 'no-token' | 'network' | 'unauthorized' | 'forbidden' | 'error';

export class ApiError extends Error {
  constructor(
    readonly kind: ApiErrorKind,
    readonly status: number,
    readonly detail: string,
  ) {
    super(detail || kind);
    this.name = 'ApiError';
  }

  /** Anything a promise rejected with, as an ApiError (a bug shows as an error, not as a crash). */
  static from(reason: unknown): ApiError {
    if (reason instanceof ApiError) return reason;
    return new ApiError('error', 0, reason instanceof Error ? reason.message : String(reason));
  }
}

export function token(): string {
  return sessionStorage.getItem(TOKEN_KEY) || '';
}

export function keepToken(value: string): void {
  sessionStorage.setItem(TOKEN_KEY, value);
}

export function forgetToken(): void {
  sessionStorage.removeItem(TOKEN_KEY);
}

/** The problem in words, for the status line and the notes. */
export function describeProblem(e: ApiError | null | undefined): string {
  if (!e) return '';
  if (e.kind === 'network') return 'cannot reach the gateway API: ' + e.detail;
  if (e.status) return e.status + (e.detail ? ': ' + e.detail : '');
  return e.detail || 'error';
}

function problemDetail(body: unknown): string {
  if (typeof body !== 'object' || body === null) return '';
  const { detail, title } = body as { detail?: unknown; title?: unknown };
  return typeof detail === 'string' && detail ? detail : typeof title === 'string' ? title : '';
}

/** GET a JSON document of the API with the operator's token; never cached, never with cookies. */
export async function api<T>(path: string): Promise<T> {
  const t = token();
  if (!t) throw new ApiError('no-token', 0, '');
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
  let response: Response;
  try {
    response = await fetch(path, {
      headers: { authorization: 'Bearer ' + t, accept: 'application/json' },
      cache: 'no-store',
      credentials: 'omit',
      signal: controller.signal,
    });
  } catch {
    clearTimeout(timer);
    throw new ApiError('network', 0, controller.signal.aborted ? 'no answer within ' + TIMEOUT_MS / 1000 + ' s' : 'connection failed');
  }
  try {
    const text = await response.text();
    let body: unknown = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = null;
    }
    if (!response.ok) {
      const kind = response.status === 401 ? 'unauthorized' : response.status === 403 ? 'forbidden' : 'error';
      throw new ApiError(kind, response.status, problemDetail(body) || response.statusText);
    }
    if (body === null) throw new ApiError('error', response.status, 'the answer is not JSON');
    return body as T;
  } finally {
    clearTimeout(timer);
  }
}
