import { applyDecorators, Injectable, SetMetadata, UseGuards, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { ErrorCodes, ForbiddenError } from '@motlan/errors/domain-error.js';
import { clientOf, ClientAuthGuard } from './client-auth.guard.js';

const REQUIRED_SCOPE = 'motlan:required-scope';

/** Refuses (403 missing_scope) a client whose token lacks the scope a route declares with {@link RequireScope}. */
@Injectable()
export class ScopeGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const scope = this.reflector.getAllAndOverride<string | undefined>(REQUIRED_SCOPE, [context.getHandler(), context.getClass()]);
    if (!scope) return true;
    const client = clientOf(context.switchToHttp().getRequest<FastifyRequest>());
    if (!client?.scopes.has(scope)) throw new ForbiddenError(ErrorCodes.missingScope, `this client lacks scope ${scope}`, { requiredScope: scope });
    return true;
  }
}

/** Authenticates the bearer token, then requires `scope` in it. */
export function RequireScope(scope: string): MethodDecorator & ClassDecorator {
  return applyDecorators(SetMetadata(REQUIRED_SCOPE, scope), UseGuards(ClientAuthGuard, ScopeGuard));
}
