/**
 * Development token issuer for the embedded profile: a local Ed25519 key pair in the data
 * directory signs client tokens, and the gateway verifies them against the public set it writes
 * next to it. Production deployments use a real identity provider instead and never run this.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SignJWT, calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { createFileExclusive, readJsonIfExists, writeFileAtomic } from '@motlan/files/atomic-file.js';

/** Issuer (`iss`) of development tokens. */
export const DEFAULT_DEV_ISSUER = 'urn:motlan:dev-issuer';
/** Audience (`aud`) the gateway expects unless configured otherwise. */
export const DEFAULT_TOKEN_AUDIENCE = 'motlan-gateway';
/** Signature algorithm of development tokens (Ed25519). */
export const DEV_ISSUER_ALGORITHM = 'EdDSA';
/** Default token lifetime. */
export const DEFAULT_DEV_TOKEN_TTL_SEC = 3600;
/** Longest lifetime the issuer accepts; matches the verifier's default maximum. */
export const MAX_DEV_TOKEN_TTL_SEC = 86_400;

/** `<dataDir>/dev-issuer`. */
export function devIssuerDir(dataDir: string): string {
  return join(dataDir, 'dev-issuer');
}

/** `<dataDir>/dev-issuer/jwks.json`: the public key set the embedded gateway verifies against. */
export function devIssuerJwksFile(dataDir: string): string {
  return join(devIssuerDir(dataDir), 'jwks.json');
}

/** `<dataDir>/dev-issuer/private-key.jwk.json` (mode 0600). */
export function devIssuerPrivateKeyFile(dataDir: string): string {
  return join(devIssuerDir(dataDir), 'private-key.jwk.json');
}

export interface DevTokenIssuerOptions {
  /** Motlan data directory (see `resolveDataDir`); keys live in `<dataDir>/dev-issuer/`. */
  dataDir: string;
  /** Directory of the key pair instead of `<dataDir>/dev-issuer/`: another directory is another issuer (the dev citizen issuer). */
  keyDir?: string;
}

export interface DevTokenRequest {
  /** Client id, becomes `sub`. */
  sub: string;
  /** Space-separated scopes, e.g. `"population:read land:read"`. */
  scope: string;
  /** Commune code the client acts for (claim `commune`), e.g. `"00004"`. */
  commune?: string;
  /** Province a monitoring centre's token reads (claim `province`), e.g. `"79"`. */
  province?: string;
  /** Lifetime in seconds, 1..86400; default 3600. */
  ttlSec?: number;
  /** Default {@link DEFAULT_TOKEN_AUDIENCE}. */
  audience?: string;
  /** Default {@link DEFAULT_DEV_ISSUER}. */
  issuer?: string;
}

interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
}

/**
 * Issues signed development JWTs. The key pair is created on first use; several processes may
 * race to create it (CLI and gateway starting together): exactly one key wins and all use it.
 */
export class DevTokenIssuer {
  private key?: Promise<SigningKey>;

  private readonly keyDir: string;

  constructor(private readonly options: DevTokenIssuerOptions) {
    this.keyDir = options.keyDir ?? devIssuerDir(options.dataDir);
  }

  /** Public key set file to configure the verifier with. */
  get jwksFile(): string {
    return join(this.keyDir, 'jwks.json');
  }

  /**
   * Creates (or loads) the key pair and makes sure `jwks.json` publishes it. The embedded gateway
   * calls this at start-up so the public set exists before the first token arrives.
   */
  async ensureKeys(): Promise<{ kid: string }> {
    const { kid } = await this.signingKey();
    return { kid };
  }

  /** A signed JWT with `iss, aud, sub, iat, exp, jti, scope` (and `commune`, `province` when given). */
  async issue(request: DevTokenRequest): Promise<string> {
    const { sub, scope, commune, province } = request;
    const ttlSec = request.ttlSec ?? DEFAULT_DEV_TOKEN_TTL_SEC;
    if (typeof sub !== 'string' || sub.trim() === '') throw new TypeError('sub must be a non-empty string');
    if (typeof scope !== 'string') throw new TypeError('scope must be a space-separated string');
    if (commune !== undefined && (typeof commune !== 'string' || commune === '')) throw new TypeError('commune must be a non-empty string');
    const claims: JWTPayload = { scope: scope.trim().split(/\s+/).filter(Boolean).join(' ') };
    if (province !== undefined && (typeof province !== 'string' || !/^\d{2}$/.test(province))) throw new TypeError('province must be a 2-digit province code');
    if (commune !== undefined) claims.commune = commune;
    if (province !== undefined) claims.province = province;
    return this.sign(sub, claims, { ttlSec, issuer: request.issuer ?? DEFAULT_DEV_ISSUER, audience: request.audience ?? DEFAULT_TOKEN_AUDIENCE });
  }

  /**
   * A signed JWT with `iss, aud, sub, iat, exp, jti` and `claims`, for issuers that put other
   * claims in their tokens (the dev citizen issuer). `ttlSec` 1..86400.
   */
  async sign(sub: string, claims: JWTPayload, options: { ttlSec: number; issuer: string; audience: string }): Promise<string> {
    const { ttlSec } = options;
    if (!Number.isInteger(ttlSec) || ttlSec < 1 || ttlSec > MAX_DEV_TOKEN_TTL_SEC) {
      throw new RangeError(`ttlSec must be an integer between 1 and ${MAX_DEV_TOKEN_TTL_SEC}`);
    }
    const { kid, privateKey } = await this.signingKey();
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT(claims)
      .setProtectedHeader({ alg: DEV_ISSUER_ALGORITHM, kid, typ: 'JWT' })
      .setIssuer(options.issuer)
      .setAudience(options.audience)
      .setSubject(sub)
      .setIssuedAt(now)
      .setExpirationTime(now + ttlSec)
      .setJti(randomUUID())
      .sign(privateKey);
  }

  private signingKey(): Promise<SigningKey> {
    // Memoise the promise so concurrent first calls share one load; forget failures so a later
    // call can retry (e.g. after the data directory was made writable).
    this.key ??= this.loadOrCreate().catch((error: unknown) => {
      this.key = undefined;
      throw error;
    });
    return this.key;
  }

  private async loadOrCreate(): Promise<SigningKey> {
    const privateFile = join(this.keyDir, 'private-key.jwk.json');
    await mkdir(this.keyDir, { recursive: true, mode: 0o700 });

    let jwk = await readJsonIfExists(privateFile);
    if (jwk === undefined) {
      const generated = await generatePrivateJwk();
      const created = await createFileExclusive(privateFile, `${JSON.stringify(generated, null, 2)}\n`, 0o600);
      // Lost the race: another process linked its complete file first; use that one.
      jwk = created ? generated : await readJsonIfExists(privateFile);
    }
    const privateJwk = asEd25519PrivateJwk(jwk, privateFile);
    const privateKey = (await importJWK(privateJwk, DEV_ISSUER_ALGORITHM)) as CryptoKey;

    // The public set is derived from the private key, so racing writers write identical bytes.
    const publicJwk: JWK = { kty: privateJwk.kty, crv: privateJwk.crv, x: privateJwk.x, kid: privateJwk.kid, alg: DEV_ISSUER_ALGORITHM, use: 'sig' };
    const jwksText = `${JSON.stringify({ keys: [publicJwk] }, null, 2)}\n`;
    const jwksFile = this.jwksFile;
    const existing = await readFile(jwksFile, 'utf8').catch(() => undefined);
    if (existing !== jwksText) await writeFileAtomic(jwksFile, jwksText, 0o644);
    return { kid: privateJwk.kid as string, privateKey };
  }
}

async function generatePrivateJwk(): Promise<JWK> {
  const { privateKey } = await generateKeyPair(DEV_ISSUER_ALGORITHM, { extractable: true });
  const jwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint({ kty: jwk.kty, crv: jwk.crv, x: jwk.x });
  return { ...jwk, kid, alg: DEV_ISSUER_ALGORITHM, use: 'sig' };
}

function asEd25519PrivateJwk(value: unknown, file: string): JWK {
  const jwk = value as JWK | undefined;
  if (
    typeof jwk !== 'object' ||
    jwk === null ||
    jwk.kty !== 'OKP' ||
    jwk.crv !== 'Ed25519' ||
    typeof jwk.x !== 'string' ||
    typeof jwk.d !== 'string' ||
    typeof jwk.kid !== 'string'
  ) {
    throw new Error(`${file} is not an Ed25519 private JWK with a kid; delete it to create a new dev issuer key`);
  }
  return jwk;
}
