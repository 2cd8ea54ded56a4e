import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  Equals,
  IsArray,
  IsDefined,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
  ValidateNested,
  type ValidationArguments,
} from 'class-validator';
import { ErrorCodes, InvalidRequestError } from '@motlan/errors/domain-error.js';
import type { AdapterManifest } from '@motlan/adapter-catalog/adapter-manifest.js';

export const ADAPTER_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;
const REGISTRY = /^[a-z][a-z0-9-]{0,39}$/;
/** host:port, host a DNS name, IPv4 or [IPv6]. */
const ENDPOINT =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|\[[0-9A-Fa-f:.]{2,45}\]):(?:[1-9]\d{0,3}|[1-5]\d{4}|6[0-4]\d{3}|65[0-4]\d{2}|655[0-2]\d|6553[0-5])$/;
const PROVINCE = /^\d{2}$/;
const REFERENCE = /^(file:\/.{1,1000}|env:[A-Z_][A-Z0-9_]{0,127})$/;
const PEM_MAX = 64 * 1024;

/** Either `{ insecure: true }` or all of ca, cert, key; checked field by field so errors name the field. */
export class AdapterTlsDto {
  @ApiPropertyOptional({ description: 'Plaintext gRPC: loopback endpoints only unless MOTLAN_ADAPTERS_ALLOW_INSECURE=true', example: true })
  @ValidateIf((tls: AdapterTlsDto) => tls.insecure !== undefined || (tls.ca === undefined && tls.cert === undefined && tls.key === undefined))
  @Equals(true, { message: 'tls must be { "insecure": true } or { "ca", "cert", "key" }' })
  insecure?: true;

  @ApiPropertyOptional({
    description:
      "CA that signs the adapter's server certificate: PEM text, file:/path (inside the gateway's adapter TLS directory) or env:MOTLAN_ADAPTER_TLS_*",
  })
  @ValidateIf(requiredUnlessInsecure)
  @IsString({ message: 'ca is required for mutual TLS (PEM text, file:/path or env:NAME)' })
  @MaxLength(PEM_MAX)
  ca?: string;

  @ApiPropertyOptional({
    description: "The gateway's client certificate: PEM text, file:/path (inside the gateway's adapter TLS directory) or env:MOTLAN_ADAPTER_TLS_*",
  })
  @ValidateIf(requiredUnlessInsecure)
  @IsString({ message: 'cert is required for mutual TLS (PEM text, file:/path or env:NAME)' })
  @MaxLength(PEM_MAX)
  cert?: string;

  @ApiPropertyOptional({
    description:
      "Private key of the client certificate: file:/path (inside the gateway's adapter TLS directory) or env:MOTLAN_ADAPTER_TLS_* only (never stored inline)",
    example: 'env:MOTLAN_ADAPTER_TLS_CLIENT_KEY',
  })
  @ValidateIf(requiredUnlessInsecure)
  @IsString({ message: 'key is required for mutual TLS (file:/path or env:NAME)' })
  @Matches(REFERENCE, { message: (args: ValidationArguments) => keyMessage(args.value) })
  key?: string;
}

function requiredUnlessInsecure(tls: AdapterTlsDto): boolean {
  return tls.insecure === undefined;
}

function keyMessage(value: unknown): string {
  return typeof value === 'string' && value.includes('PRIVATE KEY')
    ? 'key must be a reference (file:/path or env:NAME): private keys are never stored in the adapter catalog'
    : 'key must be file:/absolute/path or env:NAME';
}

export class AdapterRetryDto {
  @ApiProperty({ example: 2, description: 'Total attempts per lookup, the first included (1 = no retry)' })
  @IsInt()
  @Min(1)
  @Max(10)
  attempts!: number;

  @ApiProperty({ example: 50, description: 'Base of the jittered exponential backoff, ms' })
  @IsInt()
  @Min(0)
  @Max(60000)
  backoffMs!: number;
}

export class AdapterBreakerDto {
  @IsOptional() @IsInt() @Min(1) @Max(100000) failureThreshold?: number;
  @IsOptional() @IsNumber() @Min(0.01) @Max(1) errorRate?: number;
  @IsOptional() @IsInt() @Min(1) @Max(1000000) minCalls?: number;
  @IsOptional() @IsInt() @Min(100) @Max(3600000) windowMs?: number;
  @IsOptional() @IsInt() @Min(10) @Max(3600000) openMs?: number;
  @IsOptional() @IsInt() @Min(1) @Max(1000) halfOpenProbes?: number;
}

export class AdapterRoutingDto {
  @ApiPropertyOptional({ example: ['01', '79'], description: 'Shard rule: 2-digit 2025 province codes this adapter serves' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(34)
  @Matches(PROVINCE, { each: true, message: 'each province must be a 2-digit 2025 province code' })
  provinces?: string[];
}

/** POST/PUT /v1/adapters body. Validated like every body; unknown fields are refused with 400. */
export class AdapterManifestDto implements AdapterManifest {
  @ApiProperty({ example: 'population-hn-1', description: 'Adapter id: lower-case letters, digits, dashes' })
  @Matches(ADAPTER_ID, { message: 'id must be 1-63 lower-case letters, digits or dashes, starting with a letter or digit' })
  id!: string;

  @ApiProperty({ example: 'population', description: 'Registry served; must match the adapter Describe' })
  @Matches(REGISTRY, { message: 'registry must be a lower-case name (letters, digits, dashes)' })
  registry!: string;

  @ApiProperty({ example: '127.0.0.1:50061', description: 'host:port of the adapter gRPC server' })
  @IsString()
  @Matches(ENDPOINT, { message: 'endpoint must be host:port (port 1-65535)' })
  endpoint!: string;

  @ApiProperty({ type: AdapterTlsDto })
  @IsDefined({ message: 'tls is required: { "insecure": true } on loopback, or { "ca", "cert", "key" }' })
  @IsObject()
  @ValidateNested()
  @Type(() => AdapterTlsDto)
  tls!: AdapterManifest['tls'];

  @ApiProperty({ example: 2000, description: 'Time budget of one lookup (retries included) or Describe, ms' })
  @IsInt()
  @Min(10)
  @Max(60000)
  timeoutMs!: number;

  @ApiProperty({ example: 64, description: 'Calls in flight; the excess gets 503 + Retry-After at once' })
  @IsInt()
  @Min(1)
  @Max(100000)
  maxConcurrency!: number;

  @ApiProperty({ type: AdapterRetryDto })
  @IsDefined()
  @ValidateNested()
  @Type(() => AdapterRetryDto)
  retry!: AdapterRetryDto;

  @ApiPropertyOptional({ type: AdapterBreakerDto, description: 'Circuit breaker; omitted settings take the gateway defaults' })
  @IsOptional()
  @ValidateNested()
  @Type(() => AdapterBreakerDto)
  breaker?: AdapterBreakerDto;

  @ApiPropertyOptional({ type: AdapterRoutingDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => AdapterRoutingDto)
  routing?: AdapterRoutingDto;
}

/** The manifest as stored: plain data (no DTO prototypes), optional parts only when given. */
export function toManifest(dto: AdapterManifestDto): AdapterManifest {
  const given = dto.tls as AdapterTlsDto;
  if (given.insecure === true) {
    const extra = (['ca', 'cert', 'key'] as const).filter((f) => given[f] !== undefined);
    if (extra.length) {
      throw new InvalidRequestError(
        ErrorCodes.validation,
        `tls: give either "insecure": true or ca, cert and key, not both`,
        extra.map((f) => ({ name: `tls.${f}`, reason: 'not allowed with tls.insecure' })),
      );
    }
  }
  // DTO instances carry declared-but-absent fields as undefined; they must not override the defaults.
  const breaker = dto.breaker && Object.fromEntries(Object.entries(dto.breaker).filter(([, v]) => v !== undefined));
  const tls: AdapterManifest['tls'] = given.insecure === true ? { insecure: true } : { ca: given.ca!, cert: given.cert!, key: given.key! };
  return {
    id: dto.id,
    registry: dto.registry,
    endpoint: dto.endpoint,
    tls,
    timeoutMs: dto.timeoutMs,
    maxConcurrency: dto.maxConcurrency,
    retry: { attempts: dto.retry.attempts, backoffMs: dto.retry.backoffMs },
    ...(breaker && Object.keys(breaker).length ? { breaker } : {}),
    ...(dto.routing?.provinces?.length ? { routing: { provinces: [...new Set(dto.routing.provinces)].sort() } } : {}),
  };
}
