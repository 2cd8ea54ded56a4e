import { createParamDecorator, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { CitizenTokenVerifier, type CitizenPrincipal } from '@motlan/auth/citizen-token.js';

type RequestWithCitizen = FastifyRequest & { citizen?: CitizenPrincipal };

/**
 * Citizen routes only: authenticates a citizen token of the national e-identity (401 problem on
 * failure, including any client token) and attaches the citizen to the request. Separate from
 * ClientAuthGuard on purpose: neither kind of token opens the other kind of route.
 */
@Injectable()
export class CitizenAuthGuard implements CanActivate {
  constructor(private readonly verifier: CitizenTokenVerifier) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<RequestWithCitizen>();
    request.citizen = await this.verifier.verify(request.headers.authorization);
    return true;
  }
}

/** The citizen authenticated by CitizenAuthGuard. */
export const Citizen = createParamDecorator((_: unknown, context: ExecutionContext): CitizenPrincipal => {
  const citizen = context.switchToHttp().getRequest<RequestWithCitizen>().citizen;
  if (!citizen) throw new Error('Citizen() used on a route without CitizenAuthGuard');
  return citizen;
});
