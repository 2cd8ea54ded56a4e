/**
 * Baseline for the cached-lookup benchmark: a bare Fastify server that answers the same route with
 * the same JSON payload (captured from the gateway), with nothing else. Run as its own process.
 */
import Fastify from 'fastify';

const payload = process.env.BENCH_PAYLOAD ?? '{}';
const app = Fastify({ logger: false });
app.get('/v1/registries/:registry/:dataset/:subjectId', async (_request, reply) => {
  void reply.header('content-type', 'application/json; charset=utf-8');
  return payload;
});
app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' }).then((address) => {
  process.stdout.write(`listening ${address}\n`);
});
