import { ErrorCodes, ForbiddenError, InvalidRequestError, NotFoundError } from '@motlan/errors/domain-error.js';
import type { TerritoryScope } from '@motlan/vn-admin/territory-scope.types.js';
import type { VnAdminDirectory } from '@motlan/vn-admin/vn-admin-directory.js';

export type { TerritoryScope } from '@motlan/vn-admin/territory-scope.types.js';

/** The token claims that narrow what a client may read. */
export interface ScopedClient {
  communeCode?: string;
  provinceCode?: string;
}

/**
 * What a client may read of the figures kept per commune (the ops routes: service indicators, data
 * quality, the relay's sync figures), and what it asked for: a national token (no `province` or
 * `commune` claim) reads any scope; a province token only its province (and its communes); a
 * commune token only its commune. Asking for more is a 403 problem — the filter audits every
 * refusal — never a silently narrowed answer that would look like the whole.
 * @throws ForbiddenError scope_province_mismatch | scope_commune_mismatch; NotFoundError unknown_province | unknown_commune; InvalidRequestError validation_failed
 */
export function resolveTerritoryScope(query: { province?: string; commune?: string }, client: ScopedClient, directory: VnAdminDirectory): TerritoryScope {
  const ownCommune = client.communeCode;
  const ownProvince = client.communeCode ? directory.commune(client.communeCode)?.provinceCode : client.provinceCode;
  if (ownCommune && query.commune && query.commune !== ownCommune) {
    throw new ForbiddenError(ErrorCodes.scopeCommuneMismatch, `this token reads commune ${ownCommune} only, not ${query.commune}`);
  }
  if (client.provinceCode && ownProvince && client.provinceCode !== ownProvince) {
    throw new ForbiddenError(ErrorCodes.scopeProvinceMismatch, `this token's commune is not in its province ${client.provinceCode}`);
  }
  if (ownProvince && query.province && query.province !== ownProvince) {
    throw new ForbiddenError(ErrorCodes.scopeProvinceMismatch, `this token reads province ${ownProvince} only, not ${query.province}`);
  }
  const commune = query.commune ? directory.commune(query.commune) : undefined;
  if (query.commune && !commune) throw new NotFoundError(ErrorCodes.unknownCommune, `no commune with code ${query.commune}`);
  if (ownProvince && commune && commune.provinceCode !== ownProvince) {
    throw new ForbiddenError(ErrorCodes.scopeProvinceMismatch, `this token reads province ${ownProvince} only; commune ${commune.code} is in another`);
  }
  const province = query.province ? directory.province(query.province) : undefined;
  if (query.province && !province) throw new NotFoundError(ErrorCodes.unknownProvince, `no province with code ${query.province}`);
  if (commune && province && commune.provinceCode !== province.code) {
    throw new InvalidRequestError(ErrorCodes.validation, `commune ${commune.code} is not in province ${province.code}`, [
      { name: 'commune', reason: 'not in the province asked for' },
    ]);
  }
  if (ownCommune) {
    const own = directory.commune(ownCommune);
    if (!own) throw new ForbiddenError(ErrorCodes.scopeCommuneMismatch, `this token is bound to commune ${ownCommune}, which does not exist`);
    return { level: 'commune', provinceCode: own.provinceCode, communeCode: own.code };
  }
  if (commune) return { level: 'commune', provinceCode: commune.provinceCode, communeCode: commune.code };
  if (ownProvince) {
    if (!directory.province(ownProvince))
      throw new ForbiddenError(ErrorCodes.scopeProvinceMismatch, `this token is bound to province ${ownProvince}, which does not exist`);
    return { level: 'province', provinceCode: ownProvince };
  }
  if (province) return { level: 'province', provinceCode: province.code };
  return { level: 'national' };
}

/**
 * For what belongs to no province — the consumer groups' lag, the replay of a whole dead-letter
 * topic: only a national token (neither claim) may read or do it. A token bound to a commune or a
 * province is refused with the code it would get for another province or commune, so a client
 * handles one family of refusals, audited like the others.
 * @throws ForbiddenError scope_commune_mismatch (a `commune` claim) | scope_province_mismatch (a `province` claim)
 */
export function requireNationalScope(client: ScopedClient, what: string): void {
  if (client.communeCode) {
    throw new ForbiddenError(ErrorCodes.scopeCommuneMismatch, `${what} is national: this token reads commune ${client.communeCode} only`);
  }
  if (client.provinceCode) {
    throw new ForbiddenError(ErrorCodes.scopeProvinceMismatch, `${what} is national: this token reads province ${client.provinceCode} only`);
  }
}

/** Whether a commune's figures are within the scope. */
export function communeInScope(scope: TerritoryScope, commune: { code: string; provinceCode: string }): boolean {
  if (scope.level === 'national') return true;
  if (scope.level === 'province') return commune.provinceCode === scope.provinceCode;
  return commune.code === scope.communeCode;
}
