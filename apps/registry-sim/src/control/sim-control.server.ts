/**
 * Small HTTP control API of the simulator, for tests and demos: where the registries listen, call
 * counts, faults, deterministic sample ids, run-time record changes, the extra adapters, the
 * simulated national portal and the commune traffic. Errors are application/problem+json with a
 * stable code, like the gateway's.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { ExtraAdapters } from '../grpc/extra-adapters.js';
import { parseFaultPatch } from '../registries/fault-injector.js';
import { MAX_SAMPLES, type SimRegistries } from '../registries/sim-registries.js';
import { type RegistryName } from '../registries/sim-dataset.js';
import { InvalidRequestError, SubjectNotFoundError, UnknownAdapterError, UnknownRegistryError } from '../registries/sim-errors.js';
import type { SimPortal } from '../portal/sim-portal.js';
import type { DossierTraffic } from '../traffic/dossier-traffic.js';

interface Problem {
  status: number;
  code: string;
  title: string;
  detail: string;
}

export class SimControlServer {
  private readonly app: FastifyInstance;
  private urlValue: string | undefined;

  constructor(
    private readonly registries: SimRegistries,
    /** host:port of each registry's gRPC endpoint. */
    private readonly endpoints: () => Readonly<Record<RegistryName, string>>,
    private readonly logger: Logger,
    /** Extra adapters of the registries (replicas, shards); none when absent. */
    private readonly adapters?: ExtraAdapters,
    /** The simulated portal (routes /sim/portal/...) and the commune traffic (/sim/traffic), when run. */
    private readonly dossierSync: { portal?: SimPortal; traffic?: DossierTraffic | null } = {},
  ) {
    this.app = Fastify({ logger: false, bodyLimit: 16 * 1024 });
    this.routes();
  }

  /** Base URL, once listening, e.g. http://127.0.0.1:3100. */
  get url(): string {
    if (this.urlValue === undefined) throw new Error('control server not started');
    return this.urlValue;
  }

  async start(host: string, port: number): Promise<string> {
    await this.app.listen({ host, port });
    const address = this.app.server.address();
    const boundPort = typeof address === 'object' && address !== null ? address.port : port;
    this.urlValue = `http://${host.includes(':') ? `[${host}]` : host}:${boundPort}`;
    return this.urlValue;
  }

  async stop(): Promise<void> {
    await this.app.close();
  }

  private routes(): void {
    const app = this.app;
    const registries = this.registries;

    app.setErrorHandler((error: unknown, _request, reply) => this.sendError(reply, error));
    app.setNotFoundHandler((request, reply) =>
      sendProblem(reply, { status: 404, code: 'route_not_found', title: 'Not Found', detail: `no route ${request.method} ${request.url.split('?')[0]}` }),
    );

    app.get('/sim/health', async () => ({
      status: 'ok',
      registries: Object.fromEntries(registries.names.map((name) => [name, registries.faults(name).serving ? 'SERVING' : 'NOT_SERVING'])),
      ...(this.dossierSync.portal && { portal: this.dossierSync.portal.health }),
    }));

    app.get('/sim/registries', async () => {
      const endpoints = this.endpoints();
      return {
        seed: registries.seed,
        persons: registries.population.personCount,
        enterprises: registries.business.enterpriseCount,
        changesPerSecond: registries.changesPerSecond,
        registries: registries.names.map((name) => ({
          name,
          endpoint: endpoints[name],
          datasets: registries.registry(name).datasets.map((d) => d.spec.name),
          faults: registries.faults(name).settings,
          serving: registries.faults(name).serving,
          calls: registries.stats.snapshot(name),
          extraAdapters: this.adapters?.of(name) ?? [],
        })),
      };
    });

    app.get('/sim/adapters', async () => ({ adapters: this.adapters?.list() ?? [] }));

    app.get('/sim/adapters/:id', async (request: FastifyRequest<{ Params: { id: string } }>) => this.adapter().info(request.params.id));

    app.post('/sim/adapters/:id/stop', async (request: FastifyRequest<{ Params: { id: string } }>) => {
      const { id } = request.params;
      await this.adapter().stop(id);
      this.logger.info({ adapter: id }, 'extra adapter stopped');
      return this.adapter().info(id);
    });

    app.post('/sim/adapters/:id/start', async (request: FastifyRequest<{ Params: { id: string } }>) => {
      const { id } = request.params;
      const endpoint = await this.adapter().start(id);
      this.logger.info({ adapter: id, endpoint }, 'extra adapter started');
      return this.adapter().info(id);
    });

    app.put('/sim/registries/:registry/faults', async (request: FastifyRequest<{ Params: { registry: string } }>) => {
      const { registry } = request.params;
      registries.registry(registry);
      const faults = registries.setFaults(registry, parseFaultPatch(request.body ?? null, 'body'));
      return { registry, faults };
    });

    app.delete('/sim/registries/:registry/faults', async (request: FastifyRequest<{ Params: { registry: string } }>) => {
      const { registry } = request.params;
      return { registry, faults: registries.clearFaults(registry) };
    });

    app.post('/sim/stats/reset', async (_request, reply) => {
      registries.stats.reset();
      this.adapters?.resetStats();
      return reply.code(204).send();
    });

    app.get('/sim/samples', async (request: FastifyRequest<{ Querystring: Record<string, string | undefined> }>) => {
      const query = request.query;
      const registry = requiredString(query.registry, 'registry');
      const dataset = requiredString(query.dataset, 'dataset');
      const n = query.n === undefined ? 10 : Number(query.n);
      if (!Number.isInteger(n) || n < 1 || n > MAX_SAMPLES) {
        throw new InvalidRequestError(`n must be an integer from 1 to ${MAX_SAMPLES}`);
      }
      const province = query.province;
      if (province !== undefined && !/^\d{2}$/.test(province)) throw new InvalidRequestError('province must be a 2-digit province code');
      return { registry, dataset, samples: registries.samples(registry, dataset, n, { province }) };
    });

    app.post('/sim/changes', async (request) => {
      const body = objectBody(request.body);
      const registry = requiredString(body.registry, 'registry');
      const dataset = requiredString(body.dataset, 'dataset');
      const subjectId = requiredString(body.subjectId, 'subjectId');
      return registries.changeRecord(registry, dataset, subjectId);
    });

    // A birth, death or marriage registered now in civil status: a new record and its change event.
    app.post('/sim/civil-status/registrations', async (request, reply) => {
      const result = registries.civil.register(objectBody(request.body));
      return reply.code(201).send(result);
    });

    // What a registry did with the events the gateway relayed to it (Deliver).
    app.get('/sim/registries/:registry/deliveries', async (request: FastifyRequest<{ Params: { registry: string } }>) => {
      const { registry } = request.params;
      registries.registry(registry);
      return { registry, accepts: registries.deliveries.accepts(registry), ...registries.deliveries.stats(registry) };
    });

    this.portalRoutes();
    this.trafficRoutes();

    app.put('/sim/change-rate', async (request) => {
      const body = objectBody(request.body);
      const rate = body.changesPerSecond;
      if (typeof rate !== 'number') throw new InvalidRequestError('changesPerSecond must be a number');
      registries.setChangeRate(rate);
      this.logger.info({ changesPerSecond: rate }, 'change rate set');
      return { changesPerSecond: registries.changesPerSecond };
    });
  }

  private portalRoutes(): void {
    const app = this.app;
    type ById = FastifyRequest<{ Params: { id: string } }>;

    app.get('/sim/portal', async () => this.portal().info());

    app.get('/sim/portal/dossiers/:id', async (request: ById) => ({
      dossierId: request.params.id,
      statuses: this.portal().statusesOf(request.params.id),
    }));

    app.put('/sim/portal/faults', async (request) => {
      const faults = this.portal().setFaults(parseFaultPatch(request.body ?? null, 'body'));
      this.logger.info({ faults }, 'portal faults set');
      return { faults };
    });

    app.delete('/sim/portal/faults', async () => ({ faults: this.portal().clearFaults() }));

    app.put('/sim/portal/rejections', async (request) => ({ rejections: this.portal().reject(objectBody(request.body) as object) }));

    app.delete('/sim/portal/rejections', async () => ({ rejections: this.portal().clearRejections() }));

    app.post('/sim/portal/reset', async (_request, reply) => {
      this.portal().reset();
      return reply.code(204).send();
    });

    app.post('/sim/portal/stop', async () => {
      await this.portal().stop();
      return this.portal().info();
    });

    app.post('/sim/portal/start', async () => {
      await this.portal().start();
      return this.portal().info();
    });
  }

  private trafficRoutes(): void {
    const app = this.app;
    const off = { enabled: false, detail: 'no commune traffic configured (SIM_GATEWAY_TOKEN, SIM_DOSSIERS_PER_SECOND)' };

    app.get('/sim/traffic', async () => {
      const traffic = this.dossierSync.traffic;
      return traffic ? { enabled: true, ...traffic.stats() } : off;
    });

    app.put('/sim/traffic', async (request) => {
      const traffic = this.dossierSync.traffic;
      if (!traffic) throw new InvalidRequestError(off.detail);
      traffic.setRate(objectBody(request.body).perSecond);
      return { enabled: true, ...traffic.stats() };
    });
  }

  private portal(): SimPortal {
    // Always run by startRegistrySim; absent only for a control server built without one.
    if (!this.dossierSync.portal) throw new UnknownAdapterError('the simulator runs no portal');
    return this.dossierSync.portal;
  }

  private adapter(): ExtraAdapters {
    if (!this.adapters) throw new UnknownAdapterError('the simulator runs no extra adapters');
    return this.adapters;
  }

  private sendError(reply: FastifyReply, error: unknown): FastifyReply {
    if (error instanceof InvalidRequestError) {
      return sendProblem(reply, { status: 400, code: 'invalid_request', title: 'Bad Request', detail: error.message });
    }
    if (error instanceof UnknownAdapterError) {
      return sendProblem(reply, { status: 404, code: 'unknown_adapter', title: 'Not Found', detail: error.message });
    }
    if (error instanceof UnknownRegistryError) {
      return sendProblem(reply, { status: 404, code: 'unknown_registry', title: 'Not Found', detail: error.message });
    }
    if (error instanceof SubjectNotFoundError) {
      return sendProblem(reply, { status: 404, code: 'subject_not_found', title: 'Not Found', detail: error.message });
    }
    const statusCode = (error as { statusCode?: unknown }).statusCode;
    if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
      // Fastify's own refusals: malformed JSON, wrong content type, body too large.
      const detail = error instanceof Error ? error.message : 'bad request';
      return sendProblem(reply, { status: statusCode, code: 'malformed_request', title: 'Bad Request', detail });
    }
    this.logger.error({ err: error }, 'control API failed');
    return sendProblem(reply, { status: 500, code: 'internal_error', title: 'Internal Server Error', detail: 'see the simulator log' });
  }
}

function sendProblem(reply: FastifyReply, problem: Problem): FastifyReply {
  return reply
    .code(problem.status)
    .type('application/problem+json')
    .send({ type: 'about:blank', ...problem });
}

function objectBody(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new InvalidRequestError('the body must be a JSON object');
  return body as Record<string, unknown>;
}

function requiredString(value: unknown, name: string): string {
  if (typeof value !== 'string' || value === '') throw new InvalidRequestError(`${name} is required`);
  return value;
}
