import 'reflect-metadata';
import { ConfigError, loadGatewayConfig } from './config/gateway.config.js';
import { createGatewayApp } from './gateway-app.factory.js';
import { GracefulShutdown } from './shutdown/graceful-shutdown.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadGatewayConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      // One line per bad variable, each with the process name: all of them to fix before the next start.
      process.stderr.write(error.message.replace(/^/gm, 'motlan-gateway: ') + '\n');
      process.exit(1);
    }
    throw error;
  }
  const { app, logger } = await createGatewayApp(config);
  // Not app.enableShutdownHooks(): it closes the clients before the HTTP server and has no deadline.
  new GracefulShutdown(app, { graceMs: config.http.shutdownGraceMs, logger }).attach().listen();
  await app.listen(config.http.port, config.http.host);
  logger.info(
    {
      url: await app.getUrl(),
      profile: config.profile,
      roles: Object.keys(config.roles).filter((r) => config.roles[r as keyof typeof config.roles]),
      adapters: config.adapters,
    },
    'gateway listening',
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`motlan-gateway: failed to start: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
