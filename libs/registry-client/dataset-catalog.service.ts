import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { ADAPTER_CONTRACT_VERSION } from '@motlan/contracts/grpc-contracts.js';
import { ErrorCodes, InvalidRequestError, UnavailableError } from '@motlan/errors/domain-error.js';
import { RegistryClient, type DatasetDescriptor, type RegistryDescription } from './registry-client.port.js';

export interface DatasetCatalogOptions {
  /** How often registries that could not be described are tried again. */
  retryIntervalMs: number;
}

type RegistryState =
  | { state: 'pending'; reason: string }
  | { state: 'described'; description: RegistryDescription; datasets: Map<string, DatasetDescriptor> }
  | { state: 'incompatible'; reason: string };

/**
 * What each configured registry serves, learnt from its adapter's Describe. A registry whose
 * adapter is unreachable at start-up is retried in the background; until then its lookups get 503
 * (not 400), because the dataset may well exist.
 */
@Injectable()
export class DatasetCatalogService implements OnModuleDestroy {
  private readonly logger = new Logger(DatasetCatalogService.name);
  private readonly states = new Map<string, RegistryState>();
  private retryTimer?: NodeJS.Timeout;

  constructor(
    private readonly client: RegistryClient,
    private readonly options: DatasetCatalogOptions,
  ) {
    for (const registry of client.registries()) this.states.set(registry, { state: 'pending', reason: 'not described yet' });
  }

  /** Describes every registry once; never throws (unreachable ones stay pending and are retried). */
  async refresh(): Promise<void> {
    await Promise.all(
      [...this.states.entries()]
        .filter(([, s]) => s.state !== 'described')
        .map(([registry]) => this.describe(registry)),
    );
    this.scheduleRetry();
  }

  private async describe(registry: string): Promise<void> {
    try {
      const description = await this.client.describe(registry);
      const major = (v: string) => v.split('.')[0];
      if (description.registry !== registry) {
        this.setState(registry, { state: 'incompatible', reason: `adapter describes registry "${description.registry}"` });
      } else if (major(description.contractVersion) !== major(ADAPTER_CONTRACT_VERSION)) {
        this.setState(registry, {
          state: 'incompatible',
          reason: `adapter contract ${description.contractVersion}, gateway speaks ${ADAPTER_CONTRACT_VERSION}`,
        });
      } else {
        this.setState(registry, {
          state: 'described',
          description,
          datasets: new Map(description.datasets.map((d) => [d.name, d])),
        });
      }
    } catch (error) {
      this.setState(registry, { state: 'pending', reason: (error as Error).message });
    }
  }

  private setState(registry: string, next: RegistryState): void {
    const previous = this.states.get(registry);
    this.states.set(registry, next);
    if (previous?.state !== next.state) {
      const detail = next.state === 'described' ? `${next.datasets.size} datasets` : next.reason;
      const log = next.state === 'described' ? this.logger.log.bind(this.logger) : this.logger.warn.bind(this.logger);
      log({ registry, state: next.state, detail }, `registry ${registry}: ${next.state} (${detail})`);
    }
  }

  private scheduleRetry(): void {
    if (this.retryTimer || ![...this.states.values()].some((s) => s.state === 'pending')) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.refresh();
    }, this.options.retryIntervalMs);
    this.retryTimer.unref();
  }

  /**
   * The dataset a lookup names, or the error to answer: 400 for a registry or dataset that does
   * not exist, 503 for a registry that exists but cannot describe itself now.
   */
  resolve(registry: string, dataset: string): DatasetDescriptor {
    const state = this.states.get(registry);
    if (!state) {
      throw new InvalidRequestError(ErrorCodes.unknownRegistry, `unknown registry "${truncate(registry)}"; known: ${this.registryNames().join(', ')}`, [
        { name: 'registry', reason: 'unknown registry' },
      ]);
    }
    if (state.state !== 'described') {
      throw new UnavailableError(ErrorCodes.registryUnavailable, `registry ${registry} is not available: ${state.reason}`, 5, { registry });
    }
    const descriptor = state.datasets.get(dataset);
    if (!descriptor) {
      throw new InvalidRequestError(
        ErrorCodes.unknownDataset,
        `registry ${registry} has no dataset "${truncate(dataset)}"; it has: ${[...state.datasets.keys()].join(', ')}`,
        [{ name: 'dataset', reason: 'unknown dataset' }],
      );
    }
    return descriptor;
  }

  registryNames(): string[] {
    return [...this.states.keys()];
  }

  /** Every registry with its state, for /health/ready and the OpenAPI description. */
  snapshot(): Array<{ registry: string; state: RegistryState['state']; reason?: string; datasets: DatasetDescriptor[] }> {
    return [...this.states.entries()].map(([registry, s]) =>
      s.state === 'described'
        ? { registry, state: s.state, datasets: [...s.datasets.values()] }
        : { registry, state: s.state, reason: s.reason, datasets: [] },
    );
  }

  onModuleDestroy(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
  }
}

/** Echo at most a short, printable prefix of caller input in error messages. */
function truncate(value: string): string {
  const printable = value.replace(/[^\x20-\x7e]/g, '?');
  return printable.length > 40 ? printable.slice(0, 40) + '…' : printable;
}
