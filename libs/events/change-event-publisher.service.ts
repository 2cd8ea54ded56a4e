import type { EventLog } from '@motlan/event-log/event-log.port.js';
import { changeEventCodec } from './change-event-codec.js';
import type { RegistryChangeEvent } from './registry-change-event.js';
import { Topics } from './topics.js';

export interface ChangeEventPublisherOptions {
  log: EventLog;
  /** close() closes the log too: set when the log was made for this publisher alone (the simulator). */
  ownsLog?: boolean;
}

/**
 * Registry side: announces that a record changed, on the registry's change topic (durable before
 * publish resolves: acks=all on Kafka, fsync on files).
 */
export class ChangeEventPublisher {
  constructor(private readonly options: ChangeEventPublisherOptions) {}

  async publish(registry: string, event: RegistryChangeEvent): Promise<void> {
    await this.options.log.append(Topics.registryChanges(registry), [changeEventCodec.encode(event)]);
  }

  async close(): Promise<void> {
    if (this.options.ownsLog) await this.options.log.close();
  }
}
