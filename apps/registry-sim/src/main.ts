/**
 * Runs the registry simulator as a process: `npm run start:sim`. Configuration from the environment
 * (see sim-config.ts): SIM_SEED, SIM_PERSONS, SIM_HOST, SIM_PORT, SIM_GRPC_BASE_PORT, SIM_FAULTS,
 * SIM_CHANGES_PER_SECOND, LOG_LEVEL, MOTLAN_VN_ADMIN_DIR; KAFKA_BROKERS (change events to Kafka) or
 * MOTLAN_DATA_DIR (change events to the embedded profile's event file).
 */
import { pino } from 'pino';
import { resolveDataDir } from '@motlan/auth/data-dir.js';
import { embeddedEventFile } from '@motlan/events/embedded-bus-files.js';
import { FileChangeEventPublisher } from '@motlan/events/file-change-event-bus.adapter.js';
import { KafkaChangeEventPublisher } from '@motlan/events/kafka-change-event-bus.adapter.js';
import { ChangeEventRelay } from './events/change-event-relay.js';
import { startRegistrySim } from './registry-sim.js';
import { loadSimConfig, SimConfigError } from './sim-config.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadSimConfig(process.env);
  } catch (error) {
    if (error instanceof SimConfigError) {
      process.stderr.write(`registry-sim: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = pino({ name: 'registry-sim', level: config.logLevel });
  const sim = await startRegistrySim({ ...config, logger });
  // Change events: to Kafka on the production profile, to the data directory's event file otherwise.
  const brokers = process.env.KAFKA_BROKERS?.split(',').map((b) => b.trim()).filter(Boolean);
  const publisher = brokers?.length
    ? new KafkaChangeEventPublisher(brokers)
    : new FileChangeEventPublisher(embeddedEventFile(resolveDataDir(process.env)));
  const relay = new ChangeEventRelay(sim.registries, publisher, logger.child({ component: 'change-events' }));
  logger.info({ bus: brokers?.length ? 'kafka' : 'file' }, 'publishing change events');
  for (const [registry, endpoint] of Object.entries(sim.endpoints)) process.stdout.write(`${registry.padEnd(13)} grpc://${endpoint}\n`);
  process.stdout.write(`control       ${sim.controlUrl}/sim/registries\n`);

  const shutdown = (signal: string): void => {
    logger.info({ signal }, 'shutting down');
    Promise.all([relay.close(), sim.stop()]).then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  process.stderr.write(`registry-sim: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
