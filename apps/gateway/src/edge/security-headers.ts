/**
 * Response headers every answer of the gateway carries unless its route set its own: answers hold
 * personal data (lookups, batches, prefills, evidence) and no shared cache may keep them; no
 * browser may sniff a JSON answer into something else or frame a page of ours.
 */

/** Swagger UI at /docs: its scripts and styles from this origin only (its page has inline style blocks, its components inline styles), images as data URIs; no frame may hold it. */
export const DOCS_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; " +
  "frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** Every other answer is data, never a page: nothing may load from it, nothing may frame it. */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'";

/** The path Swagger UI is served under, and its fixed document. */
export const DOCS_PATH = '/docs';
export const OPENAPI_JSON_PATH = '/openapi.json';

interface HeaderTarget {
  hasHeader(name: string): boolean;
  header(name: string, value: string): unknown;
  /** Static files may set their headers on the Node response itself. */
  raw: { hasHeader(name: string): boolean };
}

function has(reply: HeaderTarget, name: string): boolean {
  return reply.hasHeader(name) || reply.raw.hasHeader(name);
}

function isDocs(url: string): boolean {
  return url === DOCS_PATH || url.startsWith(`${DOCS_PATH}/`) || url.startsWith(`${DOCS_PATH}?`);
}

/** Sets the default headers on an answer about to be sent (an onSend hook); a route's own cache-control and CSP are kept. */
export function applySecurityHeaders(url: string, reply: HeaderTarget): void {
  if (!has(reply, 'cache-control')) reply.header('cache-control', 'no-store');
  reply.header('x-content-type-options', 'nosniff');
  if (!has(reply, 'content-security-policy')) reply.header('content-security-policy', isDocs(url) ? DOCS_CSP : API_CSP);
  if (isDocs(url)) reply.header('x-frame-options', 'DENY');
}
