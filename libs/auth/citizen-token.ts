/**
 * Citizen tokens: issued by the national e-identity (VNeID), not by Motlan's client issuer. A
 * citizen token opens the citizen's own routes (GET /v1/me/access-log) and nothing else; a client
 * token never opens them. Kept apart by issuer (and keys, and by default audience): the gateway
 * refuses a configuration where both issuers are the same.
 */
import { join } from 'node:path';
import { parseCccd } from '@motlan/identifiers/subject-id.js';
import { AuthError } from './auth.errors.js';
import { DevTokenIssuer, DEFAULT_DEV_TOKEN_TTL_SEC } from './dev-token-issuer.js';
import { TokenVerifierService, type TokenVerifierHooks, type TokenVerifierOptions } from './token-verifier.service.js';

/** `iss` of citizen tokens unless configured (MOTLAN_CITIZEN_TOKEN_ISSUER): the dev citizen issuer. */
export const DEFAULT_CITIZEN_TOKEN_ISSUER = 'urn:motlan:dev-citizen-issuer';
/** `aud` citizen tokens must carry unless configured (MOTLAN_CITIZEN_TOKEN_AUDIENCE). */
export const DEFAULT_CITIZEN_TOKEN_AUDIENCE = 'motlan-citizen';

/** `<dataDir>/dev-citizen-issuer`: the dev citizen issuer's key pair. */
export function devCitizenIssuerDir(dataDir: string): string {
  return join(dataDir, 'dev-citizen-issuer');
}

/** `<dataDir>/dev-citizen-issuer/jwks.json`: what the embedded gateway verifies citizen tokens with. */
export function devCitizenIssuerJwksFile(dataDir: string): string {
  return join(devCitizenIssuerDir(dataDir), 'jwks.json');
}

/** The citizen behind a request. */
export interface CitizenPrincipal {
  /** The citizen's 12-digit personal id (CCCD), from `sub`. */
  readonly subjectId: string;
  /** Token expiry (`exp`), epoch seconds. */
  readonly expiresAt: number;
  /** Token id (`jti`), when it has one: for revocation. */
  readonly tokenId?: string;
  /** Issue time (`iat`), epoch seconds, when it has one: revoking the citizen's `sub` refuses tokens issued up to then. */
  readonly issuedAt?: number;
}

/**
 * Verifies citizen tokens: the client token checks (signature by a key of the configured issuer,
 * `iss`, `aud`, algorithms, lifetime, expiry, cache) against the citizen issuer's own key set,
 * then requires `sub` to be a well-formed personal id (12 digits, century digit 0-5). Rejects
 * with an AuthError (401; 503 when the key set cannot be read).
 */
export class CitizenTokenVerifier {
  private readonly tokens: TokenVerifierService;
  private readonly citizens = new WeakMap<object, CitizenPrincipal>();

  constructor(options: TokenVerifierOptions, hooks: TokenVerifierHooks = {}) {
    this.tokens = new TokenVerifierService(options, hooks);
  }

  async verify(authorizationHeader: string | undefined): Promise<CitizenPrincipal> {
    const principal = await this.tokens.verify(authorizationHeader);
    // The verified principal is cached by token: so is its citizen view, keyed by that object.
    let citizen = this.citizens.get(principal);
    if (citizen === undefined) {
      if (parseCccd(principal.clientId) === null) throw new AuthError('token_invalid', 'token "sub" is not a personal id (12 digits, 4th digit 0-5)');
      citizen = Object.freeze({
        subjectId: principal.clientId,
        expiresAt: principal.expiresAt,
        ...(principal.tokenId !== undefined ? { tokenId: principal.tokenId } : {}),
        ...(principal.issuedAt !== undefined ? { issuedAt: principal.issuedAt } : {}),
      });
      this.citizens.set(principal, citizen);
    }
    return citizen;
  }
}

export interface DevCitizenTokenRequest {
  /** The citizen's personal id, becomes `sub`. Not checked here (the command checks it), so tests can make malformed ones. */
  subjectId: string;
  /** 1..86400 s; default 3600. */
  ttlSec?: number;
  /** Default {@link DEFAULT_CITIZEN_TOKEN_ISSUER}. */
  issuer?: string;
  /** Default {@link DEFAULT_CITIZEN_TOKEN_AUDIENCE}. */
  audience?: string;
}

/**
 * Development stand-in for the national e-identity on the embedded profile: its own Ed25519 key
 * pair in `<dataDir>/dev-citizen-issuer/` (never the client issuer's), tokens with only the
 * registered claims. Production verifies real VNeID tokens and never runs this.
 */
export class DevCitizenTokenIssuer {
  private readonly keys: DevTokenIssuer;

  constructor(options: { dataDir: string }) {
    this.keys = new DevTokenIssuer({ dataDir: options.dataDir, keyDir: devCitizenIssuerDir(options.dataDir) });
  }

  get jwksFile(): string {
    return this.keys.jwksFile;
  }

  ensureKeys(): Promise<{ kid: string }> {
    return this.keys.ensureKeys();
  }

  async issue(request: DevCitizenTokenRequest): Promise<string> {
    if (typeof request.subjectId !== 'string' || request.subjectId === '') throw new TypeError('subjectId must be a non-empty string');
    return this.keys.sign(
      request.subjectId,
      {},
      {
        ttlSec: request.ttlSec ?? DEFAULT_DEV_TOKEN_TTL_SEC,
        issuer: request.issuer ?? DEFAULT_CITIZEN_TOKEN_ISSUER,
        audience: request.audience ?? DEFAULT_CITIZEN_TOKEN_AUDIENCE,
      },
    );
  }
}
