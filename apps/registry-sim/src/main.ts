/**
 * Runs the registry simulator as a process: `npm run start:sim`. Configuration from the environment
 * (see sim-config.ts): SIM_SEED, SIM_PERSONS, SIM_HOST, SIM_PORT, SIM_GRPC_BASE_PORT, SIM_FAULTS,
 * SIM_CHANGES_PER_SECOND, SIM_EXTRA_ADAPTERS, SIM_PORTAL_PORT, SIM_DOSSIERS_PER_SECOND, SIM_GATEWAY_URL,
 * SIM_GATEWAY_TOKEN, LOG_LEVEL, MOTLAN_VN_ADMIN_DIR; KAFKA_BROKERS (change events to Kafka) or
 * MOTLAN_DATA_DIR (change events to the embedded profile's event log, <data dir>/events).
 *
 * The simulated national portal listens on SIM_PORTAL_PORT (default SIM_GRPC_BASE_PORT+5). With
 * SIM_GATEWAY_TOKEN and SIM_DOSSIERS_PER_SECOND > 0, commune systems send dossier statuses to the
 * gateway at SIM_GATEWAY_URL.
 *
 * SIM_EXTRA_ADAPTERS serves registries on more endpoints, `;`-separated `id=registry[@provinces]:port`:
 * `population-north=population@01,04:50061;population-south=population@79:50062;business-2=business:50063`
 * runs two shards of the population registry (the first holds the subjects of provinces 01 and 04)
 * and a replica of the business registry.
 */
// Decorator metadata (class-validator codecs of the change events it publishes), as the gateway's main.ts.
import 'reflect-metadata';
import { pino } from 'pino';
import { resolveDataDir } from '@motlan/auth/data-dir.js';
import { ChangeEventPublisher } from '@motlan/events/change-event-publisher.service.js';
import { embeddedChangeEventLog } from '@motlan/events/embedded-change-event-log.js';
import { KafkaEventLog } from '@motlan/event-log/kafka-event-log.adapter.js';
import { ChangeEventRelay } from './events/change-event-relay.js';
import { startRegistrySim } from './registry-sim.js';
import { loadSimConfig, SimConfigError } from './sim-config.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadSimConfig(process.env);
  } catch (error) {
    if (error instanceof SimConfigError) {
      // One line per bad variable, each with the process name: all of them to fix before the next start.
      process.stderr.write(error.message.replace(/^/gm, 'registry-sim: ') + '\n');
      process.exit(2);
    }
    throw error;
  }
  const logger = pino({ name: 'registry-sim', level: config.logLevel });
  const sim = await startRegistrySim({ ...config, logger });
  // Change events: to Kafka on the production profile, to the data directory's event log otherwise.
  const log = config.kafka ? new KafkaEventLog({ ...config.kafka, clientId: 'motlan-registry-sim' }) : embeddedChangeEventLog(resolveDataDir(process.env));
  const publisher = new ChangeEventPublisher({ log, ownsLog: true });
  const relay = new ChangeEventRelay(sim.registries, publisher, logger.child({ component: 'change-events' }));
  logger.info({ bus: config.kafka ? 'kafka' : 'file' }, 'publishing change events');
  const width = Math.max(13, ...config.extraAdapters.map((a) => a.id.length + 1));
  for (const [registry, endpoint] of Object.entries(sim.endpoints)) process.stdout.write(`${registry.padEnd(width)} grpc://${endpoint}\n`);
  for (const { id, registry, provinces } of config.extraAdapters) {
    const serves = provinces ? `${registry} shard of provinces ${provinces.join(',')}` : `${registry} replica`;
    process.stdout.write(`${id.padEnd(width)} grpc://${sim.extraEndpoints[id]} (${serves})\n`);
  }
  process.stdout.write(`${'portal'.padEnd(width)} grpc://${sim.portalEndpoint} (national portal, ${sim.controlUrl}/sim/portal)\n`);
  if (sim.traffic) {
    process.stdout.write(`${'traffic'.padEnd(width)} ${sim.traffic.rate} dossiers/s to ${sim.traffic.stats().gatewayUrl} (${sim.controlUrl}/sim/traffic)\n`);
  }
  process.stdout.write(`${'control'.padEnd(width)} ${sim.controlUrl}/sim/registries\n`);

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
