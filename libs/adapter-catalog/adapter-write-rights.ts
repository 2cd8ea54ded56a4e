/**
 * What a token may change in the adapter catalog, from its scopes. An adapter receives the citizen
 * ids of its registry's lookups and its answers are signed as evidence, so the right to register
 * one is per registry: `adapters:write:<registry>` (e.g. `adapters:write:population`) lets a
 * registry's operator register adapters of that registry and change or remove the ones it owns.
 * `adapters:admin` (the national administrator) may register for any registry and change or
 * remove any adapter. A plain `adapters:write` grants nothing any more: a token issued before the
 * split must not keep a right over every registry.
 */
export interface AdapterWriteRights {
  admin: boolean;
  /** Registries this token may register adapters for. */
  registries: ReadonlySet<string>;
}

export const ADAPTERS_ADMIN_SCOPE = 'adapters:admin';
export const ADAPTERS_WRITE_SCOPE_PREFIX = 'adapters:write:';

export function adapterWriteRights(scopes: Iterable<string>): AdapterWriteRights {
  const registries = new Set<string>();
  let admin = false;
  for (const scope of scopes) {
    if (scope === ADAPTERS_ADMIN_SCOPE) admin = true;
    else if (scope.startsWith(ADAPTERS_WRITE_SCOPE_PREFIX) && scope.length > ADAPTERS_WRITE_SCOPE_PREFIX.length)
      registries.add(scope.slice(ADAPTERS_WRITE_SCOPE_PREFIX.length));
  }
  return { admin, registries };
}

/** Whether the token holds any right to change the catalog (checked before the body is read). */
export function hasAnyAdapterWriteRight(rights: AdapterWriteRights): boolean {
  return rights.admin || rights.registries.size > 0;
}
