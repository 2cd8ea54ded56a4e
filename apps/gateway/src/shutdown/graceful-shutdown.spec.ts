import { Controller, Get, Injectable, Module, type OnModuleDestroy } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { pino } from 'pino';
import { GracefulShutdown } from './graceful-shutdown.js';

interface Gate {
  promise: Promise<void>;
  resolve: () => void;
}
/** Promise.withResolvers, which Node 20 does not have. */
function gate(): Gate {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** What the test app's route and destroy hook wait on: the test releases them. */
const gates = { request: gate(), destroy: gate(), requestArrived: gate() };
const destroyed: string[] = [];

@Controller()
class SlowController {
  @Get('slow')
  async slow(): Promise<{ ok: true }> {
    gates.requestArrived.resolve();
    await gates.request.promise;
    return { ok: true };
  }
}

@Injectable()
class Client implements OnModuleDestroy {
  async onModuleDestroy(): Promise<void> {
    await gates.destroy.promise;
    destroyed.push('client');
  }
}

@Module({ controllers: [SlowController], providers: [Client] })
class TestModule {}

async function startApp(graceMs: number): Promise<{ app: NestFastifyApplication; url: string; shutdown: GracefulShutdown }> {
  const app = await NestFactory.create<NestFastifyApplication>(TestModule, new FastifyAdapter(), { logger: false });
  const shutdown = new GracefulShutdown(app, { graceMs, logger: pino({ level: 'silent' }), exit: () => undefined }).attach();
  await app.listen(0, '127.0.0.1');
  return { app, url: await app.getUrl(), shutdown };
}

beforeEach(() => {
  gates.request = gate();
  gates.destroy = gate();
  gates.requestArrived = gate();
  destroyed.length = 0;
});

describe('GracefulShutdown', () => {
  it('answers the request in flight, refuses new connections, then closes the clients', async () => {
    const { url, shutdown } = await startApp(5000);
    const inFlight = fetch(`${url}/slow`);
    await gates.requestArrived.promise;
    const done = shutdown.shutdown();
    // The listening socket is closed at once: a new connection is refused.
    await expect(fetch(`${url}/slow`, { headers: { connection: 'close' } })).rejects.toThrow();
    gates.request.resolve();
    const answer = await inFlight;
    expect(answer.status).toBe(200);
    expect(answer.headers.get('connection')).toBe('close');
    expect(await answer.json()).toEqual({ ok: true });
    gates.destroy.resolve();
    expect(await done).toEqual(expect.objectContaining({ drained: true, closed: true }));
    expect(destroyed).toEqual(['client']);
  });

  it('a request that does not finish is cut at the drain deadline; a client that does not close is left at the grace deadline', async () => {
    const graceMs = 1200;
    const { url, shutdown } = await startApp(graceMs);
    const inFlight = fetch(`${url}/slow`).then(
      () => 'answered',
      () => 'cut',
    );
    await gates.requestArrived.promise;
    const outcome = await shutdown.shutdown();
    // Bounded by the grace (plus timer slack), whatever the request and the client do.
    expect(outcome).toEqual(expect.objectContaining({ drained: false, closed: false }));
    expect(outcome.ms).toBeGreaterThanOrEqual(graceMs - 5);
    expect(outcome.ms).toBeLessThan(graceMs + 1000);
    expect(await inFlight).toBe('cut');
    expect(destroyed).toEqual([]);
    gates.request.resolve();
    gates.destroy.resolve();
  });
});
