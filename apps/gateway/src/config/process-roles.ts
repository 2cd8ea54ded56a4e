/**
 * Process roles (issue 15): the same build serves the HTTP API (`api`), runs the background jobs
 * (`worker`: portal delivery, cache invalidation from change events, access-log projection, sync
 * figures, lag monitor, publishing the ops view), or both, chosen by MOTLAN_ROLES.
 */
export type ProcessRole = 'api' | 'worker';

export interface ProcessRoles {
  api: boolean;
  worker: boolean;
}

export const ROLES_VARIABLE = 'MOTLAN_ROLES';
export const DEFAULT_ROLES = 'api,worker';

const KNOWN: readonly ProcessRole[] = ['api', 'worker'];

/**
 * `raw` (comma-separated role names) as roles, or the reason it is not one, as the text that
 * follows the variable name in a configuration error.
 */
export function parseRoles(raw: string): { ok: true; roles: ProcessRoles } | { ok: false; expected: string } {
  const names = raw.split(',').map((name) => name.trim());
  const bad = names.find((name) => !(KNOWN as readonly string[]).includes(name));
  if (bad !== undefined) return { ok: false, expected: `must be "api", "worker" or "api,worker", got "${raw}"` };
  return { ok: true, roles: { api: names.includes('api'), worker: names.includes('worker') } };
}

/**
 * Why the roles cannot run on this profile, or undefined. The embedded profile keeps its sync log,
 * caches and citizen access log in files and memory of one process: an `api` process alone would
 * queue statuses nobody delivers and audit lookups nobody projects, a `worker` alone would see
 * nothing of another process's memory. Splitting roles needs the shared stores of production.
 */
export function rolesRefusal(roles: ProcessRoles, production: boolean): string | undefined {
  if (production || (roles.api && roles.worker)) return undefined;
  return `must be "api,worker" on the embedded profile (its sync log, caches and access log live in this one process); running "${roles.api ? 'api' : 'worker'}" alone needs REDIS_URL and KAFKA_BROKERS`;
}
