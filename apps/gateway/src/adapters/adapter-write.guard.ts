import { applyDecorators, Injectable, UseGuards, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import {
  adapterWriteRights,
  ADAPTERS_ADMIN_SCOPE,
  ADAPTERS_WRITE_SCOPE_PREFIX,
  hasAnyAdapterWriteRight,
} from '@motlan/adapter-catalog/adapter-write-rights.js';
import { ErrorCodes, ForbiddenError } from '@motlan/errors/domain-error.js';
import { clientOf, ClientAuthGuard } from '../auth/client-auth.guard.js';

/**
 * Refuses (403 missing_scope) a client holding no right to change the adapter catalog at all,
 * before its body is looked at. Which registry and which adapter it may change is decided by the
 * AdapterCatalogService, which knows the adapter's registry and owner.
 */
@Injectable()
export class AdapterWriteGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const client = clientOf(context.switchToHttp().getRequest<FastifyRequest>());
    if (!client || !hasAnyAdapterWriteRight(adapterWriteRights(client.scopes))) {
      throw new ForbiddenError(ErrorCodes.missingScope, `this client lacks scope ${ADAPTERS_WRITE_SCOPE_PREFIX}<registry> (or ${ADAPTERS_ADMIN_SCOPE})`, {
        requiredScope: `${ADAPTERS_WRITE_SCOPE_PREFIX}<registry>`,
      });
    }
    return true;
  }
}

/** Authenticates the bearer token, then requires some adapter write right in it. */
export function RequireAdapterWriteRight(): MethodDecorator & ClassDecorator {
  return applyDecorators(UseGuards(ClientAuthGuard, AdapterWriteGuard));
}
