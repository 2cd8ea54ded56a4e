/**
 * The /ops page's access to the gateway API: the operator's bearer token, kept in this tab only
 * (sessionStorage), GET requests that fail with a typed ApiError the page can describe, and
 * downloads (the CSV exports) made with the same token.
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

/** A CSV export may take longer than a refresh's read (a year of weeks for every commune). */
const DOWNLOAD_TIMEOUT_MS = 30000;

/**
 * GET a path of the API with the operator's token; never cached, never with cookies. Answers the
 * response of a 2xx; a network failure, a timeout or any other status is thrown as an ApiError
 * (with the problem document's detail). `read` takes the body within the same timeout.
 */
async function request<T>(path: string, accept: string, timeoutMs: number, read: (response: Response) => Promise<T>): Promise<T> {
  const t = token();
  if (!t) throw new ApiError('no-token', 0, '');
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  let response: Response;
  try {
    response = await fetch(path, {
      headers: { authorization: 'Bearer ' + t, accept },
      cache: 'no-store',
      credentials: 'omit',
      signal: controller.signal,
    });
  } catch {
    clearTimeout(timer);
    throw new ApiError('network', 0, controller.signal.aborted ? 'no answer within ' + timeoutMs / 1000 + ' s' : 'connection failed');
  }
  try {
    if (!response.ok) {
      const kind = response.status === 401 ? 'unauthorized' : response.status === 403 ? 'forbidden' : 'error';
      throw new ApiError(kind, response.status, problemDetail(parseJson(await response.text())) || response.statusText);
    }
    return await read(response);
  } finally {
    clearTimeout(timer);
  }
}

function parseJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}

/** GET a JSON document of the API with the operator's token. */
export function api<T>(path: string): Promise<T> {
  return request(path, 'application/json', TIMEOUT_MS, async (response) => {
    const body = parseJson(await response.text());
    if (body === null) throw new ApiError('error', response.status, 'the answer is not JSON');
    return body as T;
  });
}

/** The file name the gateway gives in `content-disposition: attachment; filename="…"`, if any. */
function attachmentName(header: string | null): string | null {
  const match = header ? /filename="([^"/\\]+)"/.exec(header) : null;
  return match ? match[1] : null;
}

/**
 * Downloads a file of the API as the browser's download: a link cannot carry the bearer token, so
 * the page fetches it with the token and saves the bytes as they came (a Blob, the CSV's BOM
 * included) under the name the gateway gives. Answers that name.
 */
export async function download(path: string, accept: string, fallbackName: string): Promise<string> {
  const { blob, name } = await request(path, accept, DOWNLOAD_TIMEOUT_MS, async (response) => ({
    blob: await response.blob(),
    name: attachmentName(response.headers.get('content-disposition')) ?? fallbackName,
  }));
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.hidden = true;
  document.body.appendChild(link);
  link.click();
  link.remove();
  // Not at once: the browser reads the Blob after the click returns.
  setTimeout(() => URL.revokeObjectURL(url), 60000);
  return name;
}
