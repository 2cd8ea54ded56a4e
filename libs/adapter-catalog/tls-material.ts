import { constants, type Stats } from 'node:fs';
import { open, realpath, type FileHandle } from 'node:fs/promises';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import path from 'node:path';
import { createSecureContext } from 'node:tls';
import type { AdapterTls } from './adapter-manifest.js';

/** Resolved PEM material of a mutual-TLS adapter connection. */
export interface TlsMaterial {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

/**
 * Why material was refused. `unreadable`: a reference the gateway will not or cannot follow (the
 * same answer whether a file exists or a variable is set, so the answer reveals nothing about the
 * gateway host); `invalid`: material that was read but does not make a TLS configuration.
 */
export type TlsMaterialFailure = 'unreadable' | 'invalid';

export class TlsMaterialError extends Error {
  constructor(
    /** Manifest field at fault, e.g. "tls.key". */
    readonly field: string,
    readonly failure: TlsMaterialFailure,
    /** What the client is told: generic, safe to show anyone holding a write scope. */
    readonly reason: string,
    /** For the gateway's log only: the concrete cause (errno, file type, size); never file content or a variable's value. */
    readonly logDetail: string,
  ) {
    super(`${field}: ${reason}`);
    this.name = 'TlsMaterialError';
  }
}

export interface TlsMaterialReaderOptions {
  /** The only directory `file:` references may point into (resolved with realpath, so `..` and symlinks cannot leave it). */
  dir: string;
  /** Largest file read, bytes. */
  maxBytes: number;
  /** `env:` references may only name variables starting with this prefix. */
  envPrefix: string;
  env?: Readonly<Record<string, string | undefined>>;
}

export const DEFAULT_TLS_MAX_BYTES = 64 * 1024;
export const DEFAULT_TLS_ENV_PREFIX = 'MOTLAN_ADAPTER_TLS_';

/**
 * Reads the PEM material a manifest points to: inline PEM (CA and certificate only), `file:/path`
 * inside the configured TLS directory, or `env:NAME` with the configured prefix, and checks that
 * it makes a TLS configuration (the key matches the certificate) before any connection is tried.
 *
 * A registry operator chooses these references, so they are confined: a file outside the TLS
 * directory, a special file (a FIFO would block a read forever), an oversized file or a variable
 * without the prefix is refused with the same reason as a missing one. Files are read
 * asynchronously and opened non-blocking, so no reference can stall the event loop.
 */
export class TlsMaterialReader {
  private readonly env: Readonly<Record<string, string | undefined>>;

  constructor(private readonly options: TlsMaterialReaderOptions) {
    this.env = options.env ?? process.env;
  }

  /** Undefined for an insecure (plaintext) manifest. Rejects with a TlsMaterialError. */
  async resolve(tls: AdapterTls): Promise<TlsMaterial | undefined> {
    if ('insecure' in tls) return undefined;
    const [ca, cert, key] = await Promise.all([this.pem('tls.ca', tls.ca), this.pem('tls.cert', tls.cert), this.pem('tls.key', tls.key)]);
    checkUsable(ca, cert, key);
    return { ca, cert, key };
  }

  private async pem(field: string, value: string): Promise<Buffer> {
    let text: string;
    if (value.startsWith('file:')) text = await this.readFile(field, value.slice('file:'.length));
    else if (value.startsWith('env:')) text = this.readEnv(field, value.slice('env:'.length));
    else text = value;
    if (!text.includes('-----BEGIN ')) throw invalid(field, 'not PEM text (no "-----BEGIN" line)', 'no BEGIN line');
    return Buffer.from(text);
  }

  private readEnv(field: string, name: string): string {
    const fromEnv = name.startsWith(this.options.envPrefix) ? this.env[name] : undefined;
    if (fromEnv) return fromEnv;
    // Set or unset, allowed or not: one answer, so a reference cannot probe the gateway's environment.
    throw new TlsMaterialError(
      field,
      'unreadable',
      `cannot be used: env: references must name a variable ${this.options.envPrefix}* set on the gateway`,
      name.startsWith(this.options.envPrefix) ? `variable ${name} is not set` : `variable ${name} lacks the prefix ${this.options.envPrefix}`,
    );
  }

  private async readFile(field: string, requested: string): Promise<string> {
    const refuse = (logDetail: string) =>
      new TlsMaterialError(
        field,
        'unreadable',
        `cannot be used: file: references must name a readable regular file of at most ${this.options.maxBytes} bytes in the gateway's adapter TLS directory`,
        `${requested}: ${logDetail}`,
      );
    if (!path.isAbsolute(requested)) throw refuse('not an absolute path');
    let root: string;
    let real: string;
    try {
      root = await realpath(this.options.dir);
    } catch (error) {
      throw refuse(`TLS directory ${this.options.dir}: ${errno(error)}`);
    }
    try {
      real = await realpath(requested);
    } catch (error) {
      throw refuse(errno(error));
    }
    if (real !== root && !real.startsWith(root + path.sep)) throw refuse(`resolves to ${real}, outside ${root}`);
    let handle: FileHandle;
    try {
      // Non-blocking: opening a FIFO for reading would otherwise wait for a writer. No-follow: the
      // path was resolved above, so a symlink here means it was swapped in since.
      handle = await open(real, constants.O_RDONLY | constants.O_NONBLOCK | (constants.O_NOFOLLOW ?? 0));
    } catch (error) {
      throw refuse(errno(error));
    }
    try {
      const stat = await handle.stat();
      if (!stat.isFile()) throw refuse(`not a regular file (${fileType(stat)})`);
      if (stat.size > this.options.maxBytes) throw refuse(`${stat.size} bytes, over the limit`);
      // One byte more than allowed: a file that grew since fstat is refused, not truncated.
      const buffer = Buffer.alloc(this.options.maxBytes + 1);
      let length = 0;
      for (;;) {
        const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
        if (bytesRead === 0) break;
        length += bytesRead;
        if (length > this.options.maxBytes) throw refuse('grew over the limit while read');
      }
      return buffer.subarray(0, length).toString('utf8');
    } catch (error) {
      if (error instanceof TlsMaterialError) throw error;
      throw refuse(errno(error));
    } finally {
      await handle.close().catch(() => undefined);
    }
  }
}

/**
 * The checks gRPC's createSsl makes (it throws, synchronously, on a key that does not match its
 * certificate), made here field by field so the client learns which one and gets a 400, plus a
 * parse of the CA (which createSecureContext silently ignores when it is garbage).
 */
function checkUsable(ca: Buffer, cert: Buffer, key: Buffer): void {
  try {
    new X509Certificate(ca);
  } catch (error) {
    throw invalid('tls.ca', 'not a PEM certificate', (error as Error).message);
  }
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(cert);
  } catch (error) {
    throw invalid('tls.cert', 'not a PEM certificate', (error as Error).message);
  }
  try {
    if (!certificate.checkPrivateKey(createPrivateKey(key))) throw new Error('key values mismatch');
  } catch (error) {
    throw invalid('tls.key', 'not a private key matching tls.cert', (error as Error).message);
  }
  try {
    createSecureContext({ ca, cert, key });
  } catch (error) {
    throw invalid('tls', 'the CA, certificate and key do not make a TLS configuration', (error as Error).message);
  }
}

function invalid(field: string, reason: string, logDetail: string): TlsMaterialError {
  return new TlsMaterialError(field, 'invalid', reason, logDetail);
}

function errno(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? 'unreadable';
}

function fileType(stat: Stats): string {
  if (stat.isDirectory()) return 'directory';
  if (stat.isFIFO()) return 'FIFO';
  if (stat.isSocket()) return 'socket';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'device';
  return 'special file';
}

/** Whether a value is a reference (file:/env:) rather than inline text. */
export function isSecretReference(value: string): boolean {
  return value.startsWith('file:') || value.startsWith('env:');
}

/** Loopback endpoints may use plaintext in development; anything else needs mutual TLS. */
export function isLoopbackEndpoint(endpoint: string): boolean {
  return isLoopbackHost(endpointHost(endpoint));
}

/** The host of `host:port` or `[v6]:port`, lower-cased, without brackets. */
export function endpointHost(endpoint: string): string {
  const host = endpoint.startsWith('[') ? endpoint.slice(1, endpoint.indexOf(']')) : endpoint.slice(0, endpoint.lastIndexOf(':'));
  return host.toLowerCase();
}

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
