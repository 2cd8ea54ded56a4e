/**
 * Runs the template registry adapter: `npm run start:adapter-template`. Configuration from the
 * environment (see config/adapter.config.ts): ADAPTER_HOST, ADAPTER_PORT, ADAPTER_TLS_CA_FILE,
 * ADAPTER_TLS_CERT_FILE, ADAPTER_TLS_KEY_FILE, ADAPTER_HEALTH_WATCH_MS, LOG_LEVEL.
 */
import 'reflect-metadata';
import { pino } from 'pino';
import { startAdapter } from './adapter-grpc.server.js';
import { AdapterConfigError, loadAdapterConfig } from './config/adapter.config.js';
import { REGISTRY } from './records/registry-description.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadAdapterConfig(process.env);
  } catch (error) {
    if (error instanceof AdapterConfigError) {
      process.stderr.write(`adapter-template: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = pino({ name: 'adapter-template', level: config.logLevel });
  const adapter = await startAdapter(config, logger);
  logger.info({ registry: REGISTRY, endpoint: adapter.endpoint, tls: config.tls ? 'mutual' : 'plaintext' }, 'registry adapter listening');

  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    adapter.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`adapter-template: failed to start: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
