import { readFileSync } from 'node:fs';
import type { AdapterTls } from './adapter-manifest.js';

/** Resolved PEM material of a mutual-TLS adapter connection. */
export interface TlsMaterial {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

export class TlsMaterialError extends Error {
  constructor(
    /** Manifest field at fault, e.g. "tls.key". */
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'TlsMaterialError';
  }
}

/**
 * Reads the PEM material a manifest points to: inline PEM (CA and certificate only), `file:/path`
 * or `env:NAME`. Secrets come from files or the environment, never from the catalog itself.
 * Undefined for an insecure (plaintext) manifest.
 */
export function resolveTlsMaterial(tls: AdapterTls, env: Readonly<Record<string, string | undefined>> = process.env): TlsMaterial | undefined {
  if ('insecure' in tls) return undefined;
  return {
    ca: pem('tls.ca', tls.ca, env),
    cert: pem('tls.cert', tls.cert, env),
    key: pem('tls.key', tls.key, env),
  };
}

/** Whether a value is a reference (file:/env:) rather than inline text. */
export function isSecretReference(value: string): boolean {
  return value.startsWith('file:') || value.startsWith('env:');
}

function pem(field: string, value: string, env: Readonly<Record<string, string | undefined>>): Buffer {
  let text: string;
  if (value.startsWith('file:')) {
    const file = value.slice('file:'.length);
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new TlsMaterialError(field, `${field}: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  } else if (value.startsWith('env:')) {
    const name = value.slice('env:'.length);
    const fromEnv = env[name];
    if (!fromEnv) throw new TlsMaterialError(field, `${field}: environment variable ${name} is not set on the gateway`);
    text = fromEnv;
  } else {
    text = value;
  }
  if (!text.includes('-----BEGIN ')) throw new TlsMaterialError(field, `${field}: not PEM text (no "-----BEGIN" line)`);
  return Buffer.from(text);
}

/** Loopback endpoints may use plaintext in development; anything else needs mutual TLS. */
export function isLoopbackEndpoint(endpoint: string): boolean {
  const host = endpoint.startsWith('[') ? endpoint.slice(1, endpoint.indexOf(']')) : endpoint.slice(0, endpoint.lastIndexOf(':'));
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
