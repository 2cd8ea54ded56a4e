import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';

/**
 * Only this origin's own script, style and API; no inline code (the page has none), no framing.
 * `img-src data:` leaves room for data-URL images; the chart itself is inline SVG built by the script.
 */
export const OPS_PAGE_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";

/**
 * The built page: ops.html, ops.css and the browser modules compiled from web/*.ts by
 * `npm run build:ops-page` (part of `npm run build`). From dist/ that is web/ beside this module.
 * From the TypeScript sources (Jest) web/ holds TypeScript the browser cannot run, so the page is
 * read from this module's place under dist/ in the same repository.
 */
export function opsPageDirectory(moduleUrl: string = import.meta.url): string {
  const here = path.dirname(fileURLToPath(moduleUrl));
  if (!moduleUrl.endsWith('.ts')) return path.join(here, 'web');
  const repositoryRoot = path.resolve(here, '..', '..', '..', '..');
  return path.join(repositoryRoot, 'dist', path.relative(repositoryRoot, here), 'web');
}

export interface OpsPageOptions {
  /** Directory of the built page (default: opsPageDirectory()). */
  directory?: string;
}

/**
 * The duty officer's page at /ops (its script and style under /ops/): lag per consumer group,
 * GREEN / YELLOW / RED per province and commune, adapter health, refreshed every 5 s. Public
 * because it holds no data: the script reads the ops API with the bearer token the operator gives
 * it (URL fragment or form), so the scopes are checked there. no-store: a new gateway version's
 * page must not mix with cached modules of the old one.
 */
export async function opsPagePlugin(fastify: FastifyInstance, options: OpsPageOptions): Promise<void> {
  await fastify.register(fastifyStatic, {
    root: options.directory ?? opsPageDirectory(),
    prefix: '/ops/',
    index: false,
    // Headers are set below, the same for every file of the page.
    cacheControl: false,
    etag: false,
    lastModified: false,
    setHeaders: (reply: FastifyReply, filePath: string) => {
      // RFC 9239: text/javascript (the mime table of @fastify/send still says application/javascript).
      if (filePath.endsWith('.js')) void reply.header('content-type', 'text/javascript; charset=utf-8');
      void reply.headers({
        'content-security-policy': OPS_PAGE_CSP,
        'x-content-type-options': 'nosniff',
        'cache-control': 'no-store',
        'referrer-policy': 'no-referrer',
      });
    },
  });
  fastify.get('/ops', (_request, reply) => reply.sendFile('ops.html'));
}
