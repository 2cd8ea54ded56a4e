import { createParamDecorator, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AuthError } from '@motlan/auth/auth.errors.js';
import { RevocationList } from '@motlan/auth/revocation-list.port.js';
import { TokenVerifierService } from '@motlan/auth/token-verifier.service.js';
import { DomainError, ErrorCodes } from '@motlan/errors/domain-error.js';
import { GatewayMetrics } from '@motlan/metrics/gateway-metrics.js';
import { RateLimiter } from '@motlan/rate-limit/rate-limiter.port.js';
import type { AuthenticatedClient } from './authenticated-client.js';

type RequestWithClient = FastifyRequest & { client?: AuthenticatedClient };

/** 429: the client is over its rate limit; `Retry-After` (whole seconds, at least 1) says when a token is back. */
export class RateLimitedError extends DomainError {
  constructor(retryAfterMs: number) {
    const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
    super(ErrorCodes.rateLimited, 429, 'Too many requests', `this client is over its request rate limit; retry in ${seconds} s`, {}, seconds);
  }
}

/**
 * Every authenticated API route goes through here: authenticates the bearer token (401 problem
 * on failure), refuses a revoked one (401 `token_revoked`, a local lookup), attaches the client to
 * the request, then takes one token from the client's rate-limit bucket (429 `rate_limited`; one
 * Redis round trip in production). The client is attached before the rate check so that a 429 is
 * audited with who it was.
 */
@Injectable()
export class ClientAuthGuard implements CanActivate {
  constructor(
    private readonly verifier: TokenVerifierService,
    private readonly revocations: RevocationList,
    private readonly limiter: RateLimiter,
    private readonly metrics: GatewayMetrics,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<RequestWithClient>();
    // Guard declared on both a controller and its route: authenticate and charge once.
    if (request.client !== undefined) return true;
    const principal = await this.verifier.verify(request.headers.authorization);
    // After the principal cache on purpose: a cached token revoked since is refused at once.
    if (this.revocations.isRevoked(principal)) {
      this.metrics.tokenRevokedRefusals.inc();
      throw new AuthError('token_revoked', 'this token has been revoked');
    }
    request.client = principal;
    const decision = await this.limiter.take(principal.clientId);
    if (!decision.allowed) {
      this.metrics.rateLimited.inc();
      throw new RateLimitedError(decision.retryAfterMs);
    }
    return true;
  }
}

/** The client authenticated by ClientAuthGuard. */
export const Client = createParamDecorator((_: unknown, context: ExecutionContext): AuthenticatedClient => {
  const client = context.switchToHttp().getRequest<RequestWithClient>().client;
  if (!client) throw new Error('Client() used on a route without ClientAuthGuard');
  return client;
});

/** The authenticated client of a request, if any (for auditing refusals). */
export function clientOf(request: FastifyRequest): AuthenticatedClient | undefined {
  return (request as RequestWithClient).client;
}
