/**
 * The gateway's evidence signing keys on disk: the current private key and the public keys of up
 * to five previous ones, so that evidence handed out before a rotation keeps verifying against
 * the published set. Several gateway processes may share the directory (replicas on one volume,
 * or the gateway and a CLI): every file is replaced atomically and creation has a single winner.
 *
 * Layout of `dir`:
 * - `keyset.json`: `{ current: kid, currentSince?: ISO time, keys: [public JWK, ...], revoked?: [{ kid, alg, revokedAt, reason }] }`,
 *   current key first, then previous keys newest first, then the revocation list. The only file
 *   that changes; readers see the old or the new version.
 * - `<kid>.private.jwk.json` (mode 0600): the current private key. Previous private keys are
 *   deleted on rotation: old evidence only needs to be verified, never signed again.
 *
 * A revoked key leaves `keys` (so the published JWKS no longer holds it, and a verifier using a
 * standard JOSE library refuses its evidence as signed by an unknown key) and is listed in
 * `revoked` for good, so that the gateway can answer "revoked" rather than "unknown key".
 */
import { mkdir, open, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import { createFileExclusive, readJsonIfExists, writeFileAtomic } from '@motlan/files/atomic-file.js';

/** Signature algorithms for evidence. */
export type EvidenceAlgorithm = 'EdDSA' | 'ES256';

export const EVIDENCE_ALGORITHMS: readonly EvidenceAlgorithm[] = ['EdDSA', 'ES256'];
/** Previous public keys kept in the published set after rotations. */
export const DEFAULT_PREVIOUS_KEYS_KEPT = 5;

export interface EvidenceKeyStoreOptions {
  /** Key directory, e.g. `<dataDir>/evidence-keys`; created (mode 0700) if missing. */
  dir: string;
  /** Algorithm of keys this store creates; default `EdDSA`. An existing current key of another algorithm stays current until {@link EvidenceKeyStore.rotate}. */
  algorithm?: EvidenceAlgorithm;
  /** How many previous public keys stay published; default 5. */
  previousKeysKept?: number;
}

/** The key evidence is signed with now. */
export interface EvidenceSigningKey {
  readonly kid: string;
  readonly alg: EvidenceAlgorithm;
  readonly privateKey: CryptoKey;
}

/** A published verification key. */
export interface EvidencePublicKey {
  readonly kid: string;
  readonly alg: EvidenceAlgorithm;
  readonly key: CryptoKey;
}

/** A key withdrawn with {@link EvidenceKeyStore.revoke}: evidence it signed no longer verifies. */
export interface RevokedEvidenceKey {
  readonly kid: string;
  readonly alg: EvidenceAlgorithm;
  /** ISO 8601. */
  readonly revokedAt: string;
  readonly reason: string;
}

/** What {@link EvidenceKeyStore.revoke} did. */
export interface EvidenceKeyRevocation {
  revoked: RevokedEvidenceKey;
  /** The key was revoked before: nothing changed. */
  alreadyRevoked: boolean;
  /** The new current key, when the revoked one was the current key. */
  rotatedTo?: string;
}

/** Thrown for a revocation the store refuses (no such key, bad reason). */
export class EvidenceKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EvidenceKeyError';
  }
}

interface KeySetFile {
  current: string;
  /** When the current key was made (ISO 8601): its age tells when to rotate. Absent in sets written before it was kept. */
  currentSince?: string;
  keys: JWK[];
  revoked?: RevokedEvidenceKey[];
}

interface LoadedKeys {
  current: EvidenceSigningKey;
  publicJwks: JWK[];
  publicKeys: Map<string, EvidencePublicKey>;
  revoked: Map<string, RevokedEvidenceKey>;
  /** The key set file as loaded, to tell whether the one on disk changed. */
  fingerprint: string;
  currentSince?: Date;
}

/** Longest revocation reason kept (it is published). */
export const MAX_REVOCATION_REASON_LENGTH = 200;

/** The key set file in the key directory (its presence tells that the directory holds keys). */
export const EVIDENCE_KEYSET_FILE = 'keyset.json';
const KEYSET_FILE = EVIDENCE_KEYSET_FILE;
const LOCK_FILE = '.rotate.lock';
/** A lock older than this was left by a crashed process. */
const STALE_LOCK_MS = 30_000;
const LOCK_WAIT_MS = 10_000;

/**
 * Call {@link EvidenceKeyStore.init} (or use {@link EvidenceKeyStore.open}) before
 * {@link EvidenceKeyStore.current} / {@link EvidenceKeyStore.jwks}.
 */
export class EvidenceKeyStore {
  readonly algorithm: EvidenceAlgorithm;
  private readonly previousKeysKept: number;
  private loaded?: LoadedKeys;
  private initializing?: Promise<void>;
  // Bumped by every load: a slow reload that started before a newer load must not overwrite it.
  private generation = 0;
  private watchTimer?: NodeJS.Timeout;
  private watching?: Promise<unknown>;

  constructor(private readonly options: EvidenceKeyStoreOptions) {
    this.algorithm = options.algorithm ?? 'EdDSA';
    if (!EVIDENCE_ALGORITHMS.includes(this.algorithm)) throw new TypeError(`evidence key store: unsupported algorithm "${String(this.algorithm)}"`);
    this.previousKeysKept = options.previousKeysKept ?? DEFAULT_PREVIOUS_KEYS_KEPT;
    if (!Number.isInteger(this.previousKeysKept) || this.previousKeysKept < 0) throw new RangeError('evidence key store: previousKeysKept must be >= 0');
  }

  /** A store with its keys loaded (created on first start). */
  static async open(options: EvidenceKeyStoreOptions): Promise<EvidenceKeyStore> {
    const store = new EvidenceKeyStore(options);
    await store.init();
    return store;
  }

  /** Loads the keys, creating the first key if the directory has none. Idempotent. */
  init(): Promise<void> {
    this.initializing ??= this.loadOrCreate().catch((error: unknown) => {
      this.initializing = undefined;
      throw error;
    });
    return this.initializing;
  }

  /** The key to sign with. */
  current(): EvidenceSigningKey {
    return this.keys().current;
  }

  /**
   * When the current key was made (for the key-age metric and its rotation alert); undefined for a
   * key made before this was recorded, until the next rotation.
   */
  currentKeySince(): Date | undefined {
    return this.keys().currentSince;
  }

  /** The published set: current and previous public keys, each with `kid`, `alg` and `use: 'sig'`. */
  jwks(): { keys: JWK[] } {
    return { keys: this.keys().publicJwks.map((jwk) => ({ ...jwk })) };
  }

  /** The published verification key with this `kid`, if any (never a revoked one). */
  publicKey(kid: string): EvidencePublicKey | undefined {
    return this.keys().publicKeys.get(kid);
  }

  /** The revocation of this `kid`, if it was revoked. */
  revocation(kid: string): RevokedEvidenceKey | undefined {
    return this.keys().revoked.get(kid);
  }

  /** Every revoked key, oldest revocation first. */
  revokedKeys(): RevokedEvidenceKey[] {
    return [...this.keys().revoked.values()].map((r) => ({ ...r }));
  }

  /**
   * Makes a new current key of {@link algorithm}; the previous current key's public half stays
   * published (the oldest beyond `previousKeysKept` drop out). Serialised across processes by a
   * lock file, and based on the set on disk, so a rotation by another process is never lost.
   */
  async rotate(): Promise<{ kid: string }> {
    const state = await this.update(async (onDisk) => this.withNewCurrentKey(onDisk));
    return { kid: state.current };
  }

  /**
   * Withdraws a key: it leaves the published set at once and is listed as revoked, so its evidence
   * stops verifying (reason `revoked` from the gateway, unknown key for an offline verifier).
   * Revoking the current key first rotates to a new one: signing never stops. Idempotent: a key
   * revoked before keeps its first revocation. Throws {@link EvidenceKeyError} for a `kid` that is
   * neither published nor revoked (a typo must not look like a successful revocation).
   */
  async revoke(kid: string, reason = 'unspecified'): Promise<EvidenceKeyRevocation> {
    const why = reason.trim();
    // eslint-disable-next-line no-control-regex
    if (why.length === 0 || why.length > MAX_REVOCATION_REASON_LENGTH || /[\u0000-\u001f\u007f]/.test(why)) {
      throw new EvidenceKeyError(`revocation reason must be 1-${MAX_REVOCATION_REASON_LENGTH} characters without control characters`);
    }
    let result: EvidenceKeyRevocation | undefined;
    await this.update(async (onDisk) => {
      const before = onDisk.revoked?.find((r) => r.kid === kid);
      if (before !== undefined) {
        result = { revoked: before, alreadyRevoked: true };
        return undefined;
      }
      const jwk = onDisk.keys.find((k) => k.kid === kid);
      if (jwk === undefined)
        throw new EvidenceKeyError(`no evidence key with kid "${kid}" in ${this.options.dir} (published: ${onDisk.keys.map((k) => k.kid).join(', ')})`);
      const base = kid === onDisk.current ? await this.withNewCurrentKey(onDisk) : onDisk;
      const revoked: RevokedEvidenceKey = { kid, alg: jwk.alg as EvidenceAlgorithm, revokedAt: new Date().toISOString(), reason: why };
      result = { revoked, alreadyRevoked: false, ...(kid === onDisk.current ? { rotatedTo: base.current } : {}) };
      return { ...base, keys: base.keys.filter((k) => k.kid !== kid), revoked: [...(onDisk.revoked ?? []), revoked] };
    });
    return result!;
  }

  /**
   * Re-reads the directory, picking up a rotation made by another process. The signer calls it
   * when it meets an unknown `kid`; a gateway may also call it periodically.
   */
  async reload(): Promise<void> {
    await this.apply();
  }

  /**
   * Re-reads the key set file and reloads only when it differs from the loaded one; true when it
   * did. Cheap (one small file), so it can run every few seconds.
   */
  async reloadIfChanged(): Promise<boolean> {
    const onDisk = await readKeySetFile(this.options.dir);
    if (onDisk === undefined || this.loaded === undefined || fingerprintOf(onDisk) === this.loaded.fingerprint) return false;
    await this.apply(onDisk);
    return true;
  }

  /**
   * Checks the key directory every `intervalMs` and picks up rotations and revocations made by
   * another process (the CLI, another replica): without it a gateway would go on signing with a
   * key the operator has just revoked. A failed check keeps the loaded keys and is reported to
   * `onError`; the next one tries again. The timer does not keep the process alive.
   */
  watch(intervalMs: number, onError: (error: unknown) => void = () => undefined): void {
    if (!Number.isInteger(intervalMs) || intervalMs < 1) throw new RangeError('evidence key store: watch interval must be a positive integer');
    if (this.watchTimer !== undefined) return;
    this.watchTimer = setInterval(() => {
      // One check at a time: a slow disk must not pile up reads.
      this.watching ??= this.reloadIfChanged()
        .catch(onError)
        .finally(() => (this.watching = undefined));
    }, intervalMs);
    this.watchTimer.unref();
  }

  /** Stops {@link watch}. */
  close(): void {
    clearInterval(this.watchTimer);
    this.watchTimer = undefined;
  }

  /** Nest calls this on application close. */
  onModuleDestroy(): void {
    this.close();
  }

  /**
   * Changes the key set on disk under the lock, from the version on disk (never from what this
   * instance loaded: another process may have changed it). `change` returns the next set, or
   * undefined to leave it as it is.
   */
  private async update(change: (onDisk: KeySetFile) => Promise<KeySetFile | undefined>): Promise<KeySetFile> {
    await this.init();
    const dir = this.options.dir;
    const state = await withLock(join(dir, LOCK_FILE), async () => {
      const onDisk = await readKeySetFile(dir);
      if (onDisk === undefined) throw new Error(`evidence key store: ${join(dir, KEYSET_FILE)} disappeared`);
      const next = await change(onDisk);
      if (next === undefined) return onDisk;
      await writeFileAtomic(join(dir, KEYSET_FILE), jsonText(next), 0o644);
      // Previous private keys are no longer needed (and orphans of lost creation races).
      await removePrivateKeysExcept(dir, next.current);
      return next;
    });
    await this.apply(state);
    return state;
  }

  /** `onDisk` with a new current key (its private key written); the set is not written yet. */
  private async withNewCurrentKey(onDisk: KeySetFile): Promise<KeySetFile> {
    const { privateJwk, publicJwk } = await generateKey(this.algorithm);
    await writeFileAtomic(privateKeyFile(this.options.dir, publicJwk.kid as string), jsonText(privateJwk), 0o600);
    return {
      ...onDisk,
      current: publicJwk.kid as string,
      currentSince: new Date().toISOString(),
      keys: [publicJwk, ...onDisk.keys.filter((k) => k.kid !== publicJwk.kid)].slice(0, 1 + this.previousKeysKept),
    };
  }

  /** Loads `known` (or the set on disk) unless a load started later has finished first. */
  private async apply(known?: KeySetFile): Promise<void> {
    const generation = ++this.generation;
    const loaded = await this.load(known);
    if (generation === this.generation) this.loaded = loaded;
  }

  private keys(): LoadedKeys {
    if (this.loaded === undefined) throw new Error('EvidenceKeyStore used before init()');
    return this.loaded;
  }

  private async loadOrCreate(): Promise<void> {
    const dir = this.options.dir;
    await mkdir(dir, { recursive: true, mode: 0o700 });
    let state = await readKeySetFile(dir);
    if (state === undefined) {
      const { privateJwk, publicJwk } = await generateKey(this.algorithm);
      const kid = publicJwk.kid as string;
      await writeFileAtomic(privateKeyFile(dir, kid), jsonText(privateJwk), 0o600);
      const first: KeySetFile = { current: kid, currentSince: new Date().toISOString(), keys: [publicJwk] };
      const created = await createFileExclusive(join(dir, KEYSET_FILE), jsonText(first), 0o644);
      if (created) {
        state = first;
      } else {
        // Another process created the set first: use its key, drop ours.
        await rm(privateKeyFile(dir, kid), { force: true });
      }
    }
    await this.apply(state);
  }

  private async load(known?: KeySetFile): Promise<LoadedKeys> {
    const dir = this.options.dir;
    let state = known;
    // A concurrent rotation may delete the private key named by the set we just read: re-read.
    for (let attempt = 0; ; attempt++) {
      state ??= await readKeySetFile(dir);
      if (state === undefined) throw new Error(`evidence key store: no ${KEYSET_FILE} in ${dir}`);
      let privateText: string;
      try {
        privateText = await readFile(privateKeyFile(dir, state.current), 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= 5) throw error;
        state = undefined;
        await sleep(10);
        continue;
      }
      return this.importKeys(state, JSON.parse(privateText) as JWK);
    }
  }

  private async importKeys(state: KeySetFile, privateJwk: JWK): Promise<LoadedKeys> {
    const previous = this.loaded?.publicKeys;
    const publicKeys = new Map<string, EvidencePublicKey>();
    for (const jwk of state.keys) {
      const kid = jwk.kid as string;
      const alg = jwk.alg as EvidenceAlgorithm;
      const reusable = previous?.get(kid);
      const key = reusable?.alg === alg ? reusable.key : ((await importJWK(jwk, alg)) as CryptoKey);
      publicKeys.set(kid, { kid, alg, key });
    }
    const currentPublic = state.keys.find((k) => k.kid === state.current) as JWK;
    if (privateJwk.kid !== state.current || privateJwk.alg !== currentPublic.alg || privateJwk.x !== currentPublic.x) {
      throw new Error(`evidence key store: private key file of ${state.current} does not match the key set`);
    }
    const alg = currentPublic.alg as EvidenceAlgorithm;
    const privateKey = (await importJWK(privateJwk, alg)) as CryptoKey;
    const revoked = new Map((state.revoked ?? []).map((r) => [r.kid, { kid: r.kid, alg: r.alg, revokedAt: r.revokedAt, reason: r.reason }]));
    const since = state.currentSince === undefined ? undefined : new Date(state.currentSince);
    return {
      current: { kid: state.current, alg, privateKey },
      publicJwks: state.keys,
      publicKeys,
      revoked,
      fingerprint: fingerprintOf(state),
      currentSince: since && !Number.isNaN(since.getTime()) ? since : undefined,
    };
  }
}

function privateKeyFile(dir: string, kid: string): string {
  return join(dir, `${kid}.private.jwk.json`);
}

function fingerprintOf(state: KeySetFile): string {
  return JSON.stringify(state);
}

function jsonText(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

async function generateKey(alg: EvidenceAlgorithm): Promise<{ privateJwk: JWK; publicJwk: JWK }> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  const exported = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(exported);
  const { d: _d, ...publicPart } = exported;
  return {
    privateJwk: { ...exported, kid, alg, use: 'sig' },
    publicJwk: { ...publicPart, kid, alg, use: 'sig' },
  };
}

async function readKeySetFile(dir: string): Promise<KeySetFile | undefined> {
  const file = join(dir, KEYSET_FILE);
  const value = (await readJsonIfExists(file)) as Partial<KeySetFile> | null | undefined;
  if (value === undefined) return undefined;
  const valid =
    typeof value === 'object' &&
    value !== null &&
    typeof value.current === 'string' &&
    Array.isArray(value.keys) &&
    value.keys.every(
      (k) => typeof k === 'object' && k !== null && typeof k.kid === 'string' && EVIDENCE_ALGORITHMS.includes(k.alg as EvidenceAlgorithm) && k.d === undefined,
    ) &&
    value.keys.some((k) => k.kid === value.current) &&
    (value.currentSince === undefined || typeof value.currentSince === 'string') &&
    (value.revoked === undefined ||
      (Array.isArray(value.revoked) &&
        value.revoked.every(
          (r) =>
            typeof r === 'object' &&
            r !== null &&
            typeof r.kid === 'string' &&
            EVIDENCE_ALGORITHMS.includes(r.alg) &&
            typeof r.revokedAt === 'string' &&
            typeof r.reason === 'string' &&
            !value.keys!.some((k) => k.kid === r.kid),
        )));
  if (!valid) throw new Error(`evidence key store: ${file} is not a valid key set`);
  return value as KeySetFile;
}

async function removePrivateKeysExcept(dir: string, kid: string): Promise<void> {
  const keep = `${kid}.private.jwk.json`;
  for (const name of await readdir(dir)) {
    if (name.endsWith('.private.jwk.json') && name !== keep) await rm(join(dir, name), { force: true });
  }
}

/** Runs `fn` holding an exclusive lock file; breaks locks left behind by crashed processes. */
async function withLock<T>(lockFile: string, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      await (await open(lockFile, 'wx', 0o600)).close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const info = await stat(lockFile).catch(() => undefined);
      if (info !== undefined && Date.now() - info.mtimeMs > STALE_LOCK_MS) {
        await rm(lockFile, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`evidence key store: timed out waiting for ${lockFile}`);
      await sleep(20);
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lockFile, { force: true });
  }
}
