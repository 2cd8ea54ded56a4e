import { Controller, Get, Header } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { EvidenceKeyStore, type RevokedEvidenceKey } from '@motlan/evidence/evidence-key-store.js';

/**
 * Public keys that verify the evidence the gateway signs, previous keys included after a rotation,
 * revoked keys excluded (a standard JOSE library then refuses their evidence as signed by an
 * unknown key); the revoked kids are listed in a document of their own, since a JWK set has no
 * place for them. Cached for a minute at most, so that a revocation reaches verifiers quickly.
 */
@ApiTags('evidence')
@Controller('.well-known')
export class JwksController {
  constructor(private readonly keys: EvidenceKeyStore) {}

  @Get('jwks.json')
  @Header('cache-control', 'public, max-age=60')
  @ApiOperation({ summary: 'JWK set of the evidence signing keys (current and previous, never revoked ones)', security: [] })
  jwks(): object {
    return this.keys.jwks();
  }

  @Get('motlan-revoked-keys.json')
  @Header('cache-control', 'public, max-age=60')
  @ApiOperation({ summary: 'Revoked evidence signing keys: { revoked: [{ kid, alg, revokedAt, reason }] }; their evidence is no longer valid', security: [] })
  revoked(): { revoked: RevokedEvidenceKey[] } {
    return { revoked: this.keys.revokedKeys() };
  }
}
