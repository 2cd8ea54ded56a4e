import { createParamDecorator, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { TokenVerifierService } from '@motlan/auth/token-verifier.service.js';
import type { AuthenticatedClient } from './authenticated-client.js';

type RequestWithClient = FastifyRequest & { client?: AuthenticatedClient };

/** Authenticates the bearer token (401 problem on failure) and attaches the client to the request. */
@Injectable()
export class ClientAuthGuard implements CanActivate {
  constructor(private readonly verifier: TokenVerifierService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<RequestWithClient>();
    request.client = await this.verifier.verify(request.headers.authorization);
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
