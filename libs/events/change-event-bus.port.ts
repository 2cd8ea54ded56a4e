import type { RegistryChangeEvent } from './registry-change-event.js';

/** Registry side: announces that a record changed. */
export abstract class ChangeEventPublisher {
  abstract publish(registry: string, event: RegistryChangeEvent): Promise<void>;
  abstract close(): Promise<void>;
}

/** Called for every valid change event; invalid ones never reach it (they are dead-lettered). */
export type ChangeEventHandler = (registry: string, event: RegistryChangeEvent) => Promise<void>;

export interface ChangeEventStats {
  processed: number;
  deadLettered: number;
  handlerErrors: number;
}

/** Gateway side: delivers the change events of the given registries to a handler. */
export abstract class ChangeEventSubscriber {
  readonly stats: ChangeEventStats = { processed: 0, deadLettered: 0, handlerErrors: 0 };
  abstract start(registries: string[], handler: ChangeEventHandler): Promise<void>;
  abstract close(): Promise<void>;
}
