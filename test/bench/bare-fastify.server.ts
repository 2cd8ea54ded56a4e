/**
 * Baseline for the benchmarks: a bare Fastify server with nothing else, run as its own process.
 * GET answers the lookup route with the JSON payload captured from the gateway (BENCH_PAYLOAD);
 * PUT answers the dossier-status route 202 with a body of the gateway's shape, having parsed the
 * JSON it was sent and written nothing anywhere; POST /v1/prefill answers the form captured from the
 * gateway (BENCH_PREFILL_PAYLOAD) having parsed the JSON it was sent.
 */
import Fastify from 'fastify';

const payload = process.env.BENCH_PAYLOAD ?? '{}';
const prefillPayload = process.env.BENCH_PREFILL_PAYLOAD ?? '{}';
const app = Fastify({ logger: false });
app.get('/v1/registries/:registry/:dataset/:subjectId', async (_request, reply) => {
  void reply.header('content-type', 'application/json; charset=utf-8');
  return payload;
});
app.put<{ Params: { dossierId: string }; Body: { sequence: number } }>('/v1/dossiers/:dossierId/status', async (request, reply) => {
  void reply.code(202);
  return { dossierId: request.params.dossierId, sequence: request.body.sequence, queuedAt: new Date().toISOString() };
});
app.post('/v1/prefill', async (_request, reply) => {
  void reply.header('content-type', 'application/json; charset=utf-8');
  return prefillPayload;
});
app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' }).then((address) => {
  process.stdout.write(`listening ${address}\n`);
});
