import { createParamDecorator, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AuthError } from '@motlan/auth/auth.errors.js';
import { CitizenTokenVerifier, type CitizenPrincipal } from '@motlan/auth/citizen-token.js';
import { RevocationList } from '@motlan/auth/revocation-list.port.js';

type RequestWithCitizen = FastifyRequest & { citizen?: CitizenPrincipal };

/**
 * Citizen routes only: authenticates a citizen token of the national e-identity (401 problem on
 * failure, including any client token), refuses a revoked one (401 `token_revoked`: its `jti`, or
 * every token of its `sub`, the personal id, issued until the revocation; the same list as client
 * tokens, checked locally on every request since the verified token is cached) and attaches the
 * citizen to the request. Separate from ClientAuthGuard on purpose: neither kind of token opens
 * the other kind of route.
 */
@Injectable()
export class CitizenAuthGuard implements CanActivate {
  constructor(
    private readonly verifier: CitizenTokenVerifier,
    private readonly revocations: RevocationList,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<RequestWithCitizen>();
    const citizen = await this.verifier.verify(request.headers.authorization);
    if (this.revocations.isRevoked({ clientId: citizen.subjectId, tokenId: citizen.tokenId, issuedAt: citizen.issuedAt })) {
      throw new AuthError('token_revoked', 'this token has been revoked');
    }
    request.citizen = citizen;
    return true;
  }
}

/** The citizen authenticated by CitizenAuthGuard. */
export const Citizen = createParamDecorator((_: unknown, context: ExecutionContext): CitizenPrincipal => {
  const citizen = context.switchToHttp().getRequest<RequestWithCitizen>().citizen;
  if (!citizen) throw new Error('Citizen() used on a route without CitizenAuthGuard');
  return citizen;
});
