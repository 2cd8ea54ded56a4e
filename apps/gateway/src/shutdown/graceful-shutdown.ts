/**
 * A bounded shutdown for the gateway process: on SIGTERM (or SIGINT) it stops accepting, lets the
 * requests it is serving finish, closes its clients, and exits within `graceMs` whatever the
 * backing services do.
 *
 * Why not Nest's enableShutdownHooks(): app.close() runs the modules' destroy hooks before it
 * closes the HTTP server, so requests still being served lose their Redis and Kafka clients under
 * them; and it has no deadline. With the broker gone, the kafkajs clients' disconnects (the
 * producer's, each consumer's leave-group and final commit, the admin's) wait on their retries one
 * module after another: about 40 s, past Kubernetes' default 30 s grace period, after which the
 * kubelet kills the process anyway (SIGKILL, nothing drained). See docs/redis-sentinel.md
 * ("Shutdown") for the measured figures.
 *
 * The phases, all inside `graceMs` from the signal:
 * 1. drain: the listening socket is closed (no new connections), idle keep-alive connections are
 *    closed, responses carry `Connection: close`; requests in flight (and any that arrive on their
 *    connections meanwhile) are served, until `graceMs - closeReserveMs`. Connections still busy
 *    then are cut (their requests get no answer; the exit code says so).
 * 2. close: app.close() (destroy hooks: audit sink, Kafka and Redis clients), until `graceMs`.
 * 3. force: whatever has not closed is left to the operating system (process.exit closes every
 *    socket). Nothing acknowledged is lost by that: a lookup is answered only after its audit
 *    record was written, a dossier status is answered 202 only once it is in Kafka, and consumers
 *    commit only what they processed (the next member takes over the rest).
 *
 * Exit code: 0 when every request in flight was answered (whether or not the clients closed in
 * time; a client cut at the deadline is logged as a warning), 1 when requests had to be cut or
 * app.close() failed. A second signal during shutdown exits at once with 1.
 */
import type { Server } from 'node:http';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { Logger } from 'pino';

export interface GracefulShutdownOptions {
  /** From the signal to the exit, at most (MOTLAN_SHUTDOWN_GRACE_MS). */
  graceMs: number;
  /**
   * Kept for closing the clients; the drain may use the rest. Default: a quarter of graceMs, at most
   * 1 s — so at the default 8 s grace a lookup may take its worst case, the registry timeout (2 s)
   * plus the audit timeout (5 s), and still be answered.
   */
  closeReserveMs?: number;
  logger: Logger;
  /** How the process ends (tests pass their own). */
  exit?: (code: number) => void;
}

export type ShutdownOutcome = { drained: boolean; closed: boolean; ms: number };

export class GracefulShutdown {
  private inFlight = 0;
  private closing = false;
  private onIdle?: () => void;
  private readonly closeReserveMs: number;

  constructor(
    private readonly app: NestFastifyApplication,
    private readonly options: GracefulShutdownOptions,
  ) {
    this.closeReserveMs = options.closeReserveMs ?? Math.min(1000, Math.floor(options.graceMs / 4));
  }

  /** Counts requests in flight and marks responses sent while closing; call before listen(). */
  attach(): this {
    const fastify = this.app.getHttpAdapter().getInstance();
    // Callback style: no promise per request (see the hooks in gateway-app.factory.ts).
    fastify.addHook('onRequest', (_request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
      this.inFlight++;
      // 'close' fires once per response: sent, or its connection lost (onResponse would miss aborts).
      reply.raw.once('close', () => {
        this.inFlight--;
        if (this.closing) this.afterResponse();
      });
      done();
    });
    fastify.addHook('onSend', (_request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (error: null, payload: unknown) => void) => {
      if (this.closing) void reply.header('connection', 'close');
      done(null, payload);
    });
    return this;
  }

  /** Shuts down on SIGTERM and SIGINT; a second signal exits at once. */
  listen(): this {
    let started = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (started) {
        this.options.logger.warn({ signal }, 'shutdown: second signal, exiting now');
        this.exit(1);
        return;
      }
      started = true;
      void this.shutdown(signal).then(
        (outcome) => this.exit(outcome.drained ? 0 : 1),
        (error: unknown) => {
          this.options.logger.error({ err: error }, 'shutdown failed');
          this.exit(1);
        },
      );
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    return this;
  }

  /** The three phases (see the module comment); resolves when they are done or cut. */
  async shutdown(signal: NodeJS.Signals | 'test' = 'test'): Promise<ShutdownOutcome> {
    const { graceMs, logger } = this.options;
    const started = performance.now();
    const elapsed = (): number => Math.round(performance.now() - started);
    this.closing = true;
    logger.info({ signal, inFlight: this.inFlight, graceMs }, 'shutdown: draining requests in flight');
    const server = this.app.getHttpServer() as Server;
    server.close();
    server.closeIdleConnections();
    const drained = await this.drain(graceMs - this.closeReserveMs - elapsed());
    if (!drained)
      logger.warn({ inFlight: this.inFlight, ms: elapsed() }, 'shutdown: requests still in flight at the drain deadline; closing their connections');
    // No request is served any more (or it is cut now): close every connection left, idle or not.
    // Fastify's close (inside app.close()) waits for the server's 'close' event, which waits for
    // every connection to end; a client that keeps one open would hold the whole shutdown.
    server.closeAllConnections();
    logger.info({ ms: elapsed() }, 'shutdown: closing clients');
    const closed = await withinMs(this.app.close(), graceMs - elapsed());
    if (!closed) logger.warn({ ms: elapsed() }, 'shutdown: clients did not close in time; exiting with them open (nothing acknowledged is lost)');
    logger.info({ ms: elapsed(), drained, closed }, 'shutdown: done');
    return { drained, closed, ms: elapsed() };
  }

  private drain(budgetMs: number): Promise<boolean> {
    if (this.inFlight === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(
        () => {
          this.onIdle = undefined;
          resolve(false);
        },
        Math.max(0, budgetMs),
      );
      this.onIdle = () => {
        clearTimeout(timer);
        this.onIdle = undefined;
        resolve(true);
      };
    });
  }

  private afterResponse(): void {
    // A keep-alive connection whose response just went out is idle now: close it.
    setImmediate(() => (this.app.getHttpServer() as Server).closeIdleConnections());
    if (this.inFlight === 0) this.onIdle?.();
  }

  private exit(code: number): void {
    (this.options.exit ?? ((c: number) => process.exit(c)))(code);
  }
}

/** Whether `work` settles within `ms` (a rejection counts as settled: the close was attempted and failed, logged by Nest). */
function withinMs(work: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), Math.max(0, ms));
    work.then(
      () => {
        clearTimeout(timer);
        resolve(true);
      },
      () => {
        clearTimeout(timer);
        resolve(true);
      },
    );
  });
}
