import { Controller, Get, Header } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { EvidenceKeyStore } from '@motlan/evidence/evidence-key-store.js';

/** Public keys that verify the evidence the gateway signs, previous keys included after a rotation. */
@ApiTags('evidence')
@Controller('.well-known')
export class JwksController {
  constructor(private readonly keys: EvidenceKeyStore) {}

  @Get('jwks.json')
  @Header('cache-control', 'public, max-age=300')
  @ApiOperation({ summary: 'JWK set of the evidence signing keys (current and previous)' })
  jwks(): object {
    return this.keys.jwks();
  }
}
