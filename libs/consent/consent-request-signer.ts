/**
 * The signed form of a counter consent request: a compact JWT the gateway signs when a commune's
 * software asks a citizen for a consent, carrying everything the request asks for. The clerk's
 * software shows it (a QR code, or the link that holds it); the citizen's app can check it offline
 * against the gateway's published key set (`/.well-known/jwks.json`) before showing it, and the
 * citizen approves it with their own token. On approval the gateway checks the signature and that
 * what the token says is exactly the request it holds: the token is proof of what was asked, the
 * store still decides that a request is used once.
 *
 * Signed with the gateway's evidence keys (rotated, revocable, published), under a `typ` of its
 * own, so a consent request can never pass for evidence nor evidence for a consent request
 * (docs/decisions/0009-signed-counter-consent-requests.md).
 */
import { decodeProtectedHeader, errors, jwtVerify, SignJWT, type CryptoKey } from 'jose';
import type { ConsentDataset, ConsentRequest } from './consent.js';

/** `typ` header of a signed consent request. */
export const CONSENT_REQUEST_JWT_TYPE = 'motlan-consent-request+jwt';
/** Longer input is not a signed request of this gateway (real ones are under 1,500 characters). */
export const MAX_SIGNED_REQUEST_LENGTH = 4096;
/** Three base64url parts: the shape of a compact JWS. */
export const SIGNED_REQUEST_PATTERN = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
/** Minimum time between key set reloads caused by a signed request naming an unknown `kid`. */
const KEY_RELOAD_INTERVAL_MS = 30_000;

/** The gateway's signing keys as this signer needs them (the evidence key store is one). */
export interface ConsentRequestKeys {
  current(): { readonly kid: string; readonly alg: string; readonly privateKey: CryptoKey };
  publicKey(kid: string): { readonly alg: string; readonly key: CryptoKey } | undefined;
  revocation(kid: string): unknown;
  reload(): Promise<unknown>;
}

/** What a signed request says: the request as stored, less its creation time (`iat` says it to the second). */
export type SignedConsentRequest = Omit<ConsentRequest, 'createdAt'>;

/** Why a signed request is refused before the store is asked (problem `consent_request_invalid`, member `reason`). */
export type SignedRequestInvalidReason = 'tampered' | 'expired';

export type SignedRequestCheck =
  { valid: true; request: SignedConsentRequest; kid: string } | { valid: false; reason: SignedRequestInvalidReason; detail: string };

export interface ConsentRequestSignerOptions {
  /** `iss`: the gateway (the evidence issuer, e.g. `urn:motlan:gateway`). */
  issuer: string;
  keys: ConsentRequestKeys;
  /** Epoch ms; tests move it. */
  now?: () => number;
}

export class ConsentRequestSigner {
  private readonly now: () => number;
  private lastReloadMs = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: ConsentRequestSignerOptions) {
    if (!options.issuer) throw new TypeError('consent request signer: issuer is required');
    this.now = options.now ?? Date.now;
  }

  /**
   * Compact JWT, header `{ alg, kid, typ: 'motlan-consent-request+jwt' }`, claims `iss`, `iat`,
   * `exp` (the request's expiry, to the second below), `jti` (the request id), `sub` (the citizen
   * asked), `code`, `procedure`, `dossierId`, `communeCode`, `datasets`, `validUntil`, `clientId`,
   * `officerId`.
   */
  async sign(request: ConsentRequest): Promise<string> {
    const key = this.options.keys.current();
    return new SignJWT({
      code: request.code,
      procedure: request.procedure,
      dossierId: request.dossierId,
      communeCode: request.communeCode,
      datasets: request.datasets.map(({ registry, dataset }) => ({ registry, dataset })),
      validUntil: request.validUntil,
      clientId: request.clientId,
      officerId: request.officerId,
    })
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: CONSENT_REQUEST_JWT_TYPE })
      .setIssuer(this.options.issuer)
      .setSubject(request.subjectId)
      .setJti(request.id)
      .setIssuedAt(Math.floor(Date.parse(request.createdAt) / 1000))
      .setExpirationTime(expOf(request.expiresAt))
      .sign(key.privateKey);
  }

  /**
   * Whether `jws` is a consent request this gateway signed and that has not expired. Never throws
   * for bad input. `tampered` covers everything that is not a genuine signed request of this
   * gateway: not a compact JWS, another `typ` or issuer (evidence, an access token), an unknown or
   * revoked key, a signature that does not match, claims that are not a request's.
   */
  async verify(jws: string): Promise<SignedRequestCheck> {
    if (typeof jws !== 'string' || jws.length > MAX_SIGNED_REQUEST_LENGTH || !SIGNED_REQUEST_PATTERN.test(jws)) {
      return tampered('not a compact JWS of this gateway');
    }
    let header: ReturnType<typeof decodeProtectedHeader>;
    try {
      header = decodeProtectedHeader(jws);
    } catch {
      return tampered('the JWS header is not base64url-encoded JSON');
    }
    if (header.typ !== CONSENT_REQUEST_JWT_TYPE) return tampered(`typ is not ${CONSENT_REQUEST_JWT_TYPE}: not a signed consent request`);
    const kid = header.kid;
    if (typeof kid !== 'string' || kid.length === 0) return tampered('the JWS header names no key');
    if (this.options.keys.revocation(kid) !== undefined) return tampered(`key ${kid} was revoked`);
    let publicKey = this.options.keys.publicKey(kid);
    if (publicKey === undefined && this.now() - this.lastReloadMs >= KEY_RELOAD_INTERVAL_MS) {
      // Another instance sharing the key directory may have rotated; rate-limited so made-up kids cannot make every call read the disk.
      this.lastReloadMs = this.now();
      await this.options.keys.reload().catch(() => undefined);
      publicKey = this.options.keys.publicKey(kid);
      if (this.options.keys.revocation(kid) !== undefined) return tampered(`key ${kid} was revoked`);
    }
    if (publicKey === undefined) return tampered(`no key of this gateway has kid ${kid}`);
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(jws, publicKey.key, {
        algorithms: [publicKey.alg],
        issuer: this.options.issuer,
        typ: CONSENT_REQUEST_JWT_TYPE,
        currentDate: new Date(this.now()),
        requiredClaims: ['exp', 'iat', 'jti', 'sub'],
      }));
    } catch (error) {
      if (error instanceof errors.JWTExpired) return { valid: false, reason: 'expired', detail: 'the request has expired: ask the clerk for a new one' };
      if (error instanceof errors.JWSSignatureVerificationFailed) return tampered('the signature does not match (altered, or signed by another key)');
      return tampered(`not a valid signed request (${error instanceof errors.JOSEError ? error.code : 'unreadable'})`);
    }
    const request = requestOf(payload);
    if (!request) return tampered('the claims are not those of a consent request');
    return { valid: true, request, kid };
  }
}

/**
 * Whether a verified signed request says exactly what the stored request says: the same request
 * (id and code), citizen, scope, validity, asker and expiry. Datasets in the same order: the
 * gateway signs them as it stores them.
 */
export function sameRequest(signed: SignedConsentRequest, stored: ConsentRequest): boolean {
  return (
    signed.id === stored.id &&
    signed.code === stored.code &&
    signed.subjectId === stored.subjectId &&
    signed.procedure === stored.procedure &&
    signed.dossierId === stored.dossierId &&
    signed.communeCode === stored.communeCode &&
    signed.validUntil === stored.validUntil &&
    signed.clientId === stored.clientId &&
    signed.officerId === stored.officerId &&
    expOf(signed.expiresAt) === expOf(stored.expiresAt) &&
    signed.datasets.length === stored.datasets.length &&
    signed.datasets.every((d, i) => d.registry === stored.datasets[i].registry && d.dataset === stored.datasets[i].dataset)
  );
}

/** Epoch seconds, rounded down: a signed request never outlives its stored one. */
function expOf(expiresAt: string): number {
  return Math.floor(Date.parse(expiresAt) / 1000);
}

function tampered(detail: string): SignedRequestCheck {
  return { valid: false, reason: 'tampered', detail };
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isNullableString = (v: unknown): v is string | null => v === null || typeof v === 'string';

function requestOf(p: Record<string, unknown>): SignedConsentRequest | null {
  if (!isString(p.jti) || !isString(p.sub) || !isString(p.code) || !Number.isInteger(p.exp)) return null;
  if (!isNullableString(p.procedure) || !isNullableString(p.dossierId) || !isString(p.communeCode) || !isString(p.validUntil)) return null;
  if (!isString(p.clientId) || !isNullableString(p.officerId) || !Array.isArray(p.datasets)) return null;
  const datasets: ConsentDataset[] = [];
  for (const d of p.datasets as unknown[]) {
    if (d === null || typeof d !== 'object') return null;
    const { registry, dataset } = d as Record<string, unknown>;
    if (!isString(registry) || !isString(dataset)) return null;
    datasets.push({ registry, dataset });
  }
  return {
    id: p.jti,
    code: p.code,
    subjectId: p.sub,
    procedure: p.procedure,
    dossierId: p.dossierId,
    communeCode: p.communeCode,
    datasets,
    validUntil: p.validUntil,
    clientId: p.clientId,
    officerId: p.officerId,
    expiresAt: new Date((p.exp as number) * 1000).toISOString(),
  };
}
