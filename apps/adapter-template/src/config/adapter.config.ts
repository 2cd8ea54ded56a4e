/**
 * The template adapter's configuration, read from the environment once at start-up and validated:
 * a bad value stops the process with one line naming the variable and what was expected.
 *
 * - `ADAPTER_HOST` (default `127.0.0.1`; `0.0.0.0` to accept connections from other hosts)
 * - `ADAPTER_PORT` (default `50070`)
 * - `ADAPTER_TLS_CA_FILE`, `ADAPTER_TLS_CERT_FILE`, `ADAPTER_TLS_KEY_FILE`: PEM files. All three
 *   serve mutual TLS: the CA that signed the gateway's client certificate, and this server's
 *   certificate and key. None: plaintext (the gateway accepts that for loopback endpoints only).
 * - `ADAPTER_HEALTH_WATCH_MS` (default `5000`): how often a health Watch asks the RecordSource
 *   whether it is serving (a Watch answers at once, then on every change)
 * - `LOG_LEVEL` (default `info`)
 */
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';

/** PEM material of mutual TLS, read and checked at start-up. */
export interface AdapterTlsPem {
  /** CA whose client certificates are accepted (the gateway's). */
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

export interface AdapterConfig {
  host: string;
  port: number;
  /** Null: plaintext. */
  tls: AdapterTlsPem | null;
  healthWatchMs: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
}

/** Injection token of the AdapterConfig, for providers that need a setting. */
export const ADAPTER_CONFIG = Symbol('ADAPTER_CONFIG');

export class AdapterConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AdapterConfigError';
  }
}

const LOG_LEVELS: readonly AdapterConfig['logLevel'][] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const TLS_VARIABLES = ['ADAPTER_TLS_CA_FILE', 'ADAPTER_TLS_CERT_FILE', 'ADAPTER_TLS_KEY_FILE'] as const;

/** @throws AdapterConfigError naming the variable */
export function loadAdapterConfig(env: Record<string, string | undefined> = process.env): AdapterConfig {
  const host = env.ADAPTER_HOST?.trim() || '127.0.0.1';
  const portText = env.ADAPTER_PORT?.trim() || '50070';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) throw new AdapterConfigError(`ADAPTER_PORT must be a port number 0-65535, got "${portText}"`);
  const watchText = env.ADAPTER_HEALTH_WATCH_MS?.trim() || '5000';
  const healthWatchMs = Number(watchText);
  if (!/^\d+$/.test(watchText) || healthWatchMs < 10 || healthWatchMs > 600_000) {
    throw new AdapterConfigError(`ADAPTER_HEALTH_WATCH_MS must be milliseconds 10-600000, got "${watchText}"`);
  }
  const logLevel = (env.LOG_LEVEL?.trim() || 'info') as AdapterConfig['logLevel'];
  if (!LOG_LEVELS.includes(logLevel)) throw new AdapterConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  return { host, port, tls: loadTls(env), healthWatchMs, logLevel };
}

function loadTls(env: Record<string, string | undefined>): AdapterTlsPem | null {
  const given = TLS_VARIABLES.filter((name) => env[name]?.trim());
  if (given.length === 0) return null;
  const missing = TLS_VARIABLES.filter((name) => !given.includes(name));
  if (missing.length > 0)
    throw new AdapterConfigError(`${missing.join(', ')} must be set too: mutual TLS needs the CA, the certificate and the key (or none of them for plaintext)`);
  const [ca, cert, key] = TLS_VARIABLES.map((name) => readPem(name, env[name]!.trim()));
  // Parsed here, once, so a bad certificate or a key that does not match it stops the start with
  // a readable line instead of failing every handshake later with nothing in the logs.
  try {
    createSecureContext({ ca, cert, key });
  } catch (error) {
    throw new AdapterConfigError(
      `ADAPTER_TLS_CERT_FILE / ADAPTER_TLS_KEY_FILE / ADAPTER_TLS_CA_FILE do not make a TLS configuration: ${(error as Error).message}`,
    );
  }
  return { ca, cert, key };
}

function readPem(variable: string, file: string): Buffer {
  let pem: Buffer;
  try {
    pem = readFileSync(file);
  } catch (error) {
    throw new AdapterConfigError(
      `${variable} must name a readable PEM file, cannot read "${file}": ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  if (!pem.includes('-----BEGIN ')) throw new AdapterConfigError(`${variable} must name a PEM file, "${file}" is not PEM`);
  return pem;
}
