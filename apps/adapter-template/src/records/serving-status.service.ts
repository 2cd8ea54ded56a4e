import { Inject, Injectable } from '@nestjs/common';
import { distinctUntilChanged, from, ReplaySubject, switchMap, takeUntil, timer, type Observable } from 'rxjs';
import { ADAPTER_CONFIG, type AdapterConfig } from '../config/adapter.config.js';
import { RecordSource } from './record-source.port.js';

export type ServingStatus = 'SERVING' | 'NOT_SERVING';

/**
 * Whether the adapter can answer lookups, asked of the RecordSource (a source that throws counts
 * as not serving). The health service answers Check from `status()` and Watch from `watch()`.
 */
@Injectable()
export class ServingStatusService {
  /** Fires once, at shutdown: open watches end, so a graceful shutdown does not wait on them. */
  private readonly stopped = new ReplaySubject<void>(1);

  constructor(
    private readonly source: RecordSource,
    @Inject(ADAPTER_CONFIG) private readonly config: AdapterConfig,
  ) {}

  async status(): Promise<ServingStatus> {
    try {
      return (await this.source.isServing()) ? 'SERVING' : 'NOT_SERVING';
    } catch {
      return 'NOT_SERVING';
    }
  }

  /**
   * The status now, then every change. Polled, because a database rarely pushes its own health;
   * a source that can push changes would feed this stream directly instead.
   */
  watch(): Observable<ServingStatus> {
    return timer(0, this.config.healthWatchMs).pipe(
      switchMap(() => from(this.status())),
      distinctUntilChanged(),
      takeUntil(this.stopped),
    );
  }

  /** Ends every watch (at shutdown). */
  endWatches(): void {
    this.stopped.next();
  }
}
