import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';
import { pino, type Logger } from 'pino';
import { PinoNestLogger } from '@motlan/logging/pino-nest-logger.js';
import type { GatewayConfig } from './config/gateway.config.js';
import { GatewayModule } from './gateway.module.js';

/** Accept a caller's request id only if it is short and harmless to echo and log. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
/** A run of 9+ digits could be a personal id (CCCD: 12) put in the request id: never log it. */
const LOOKS_PERSONAL = /\d{9,}/;

export interface GatewayApp {
  app: NestFastifyApplication;
  logger: Logger;
}

/**
 * Builds the gateway application (not listening yet). Used by main.ts and by the e2e tests, so
 * the tests exercise exactly what production runs.
 */
export async function createGatewayApp(config: GatewayConfig, logger?: Logger): Promise<GatewayApp> {
  const log = logger ?? pino({ level: config.logLevel, base: { service: 'motlan-gateway' } });
  const adapter = new FastifyAdapter({
    loggerInstance: log,
    // Request logs are written by the onResponse hook below with the route pattern, never the raw
    // URL: lookup URLs contain personal ids.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.http.bodyLimitBytes,
    genReqId: (request: { headers: Record<string, string | string[] | undefined> }) => {
      const header = request.headers['x-request-id'];
      return typeof header === 'string' && REQUEST_ID.test(header) && !LOOKS_PERSONAL.test(header) ? header : randomUUID();
    },
    routerOptions: { maxParamLength: 200 },
  });
  const app = await NestFactory.create<NestFastifyApplication>(GatewayModule.forRoot(config), adapter, {
    logger: new PinoNestLogger(log.child({ component: 'nest' })),
    bufferLogs: false,
    abortOnError: false,
  });
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    void reply.header('x-request-id', request.id);
  });
  fastify.addHook('onResponse', async (request: FastifyRequest, reply: FastifyReply) => {
    request.log.info(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 },
      'request completed',
    );
  });
  // Errors Fastify raises before a route runs (unparseable JSON, body too large) reach Nest's
  // exception layer, hence ProblemFilter, like every other error.

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Motlan gateway')
      .setDescription(
        'Once-only citizen-data gateway for commune one-stop software. Every lookup needs a bearer token with the registry scope ' +
          '(e.g. population:read), X-Purpose (procedure code N.NNNNNN) and X-Officer-Id. Answers carry signed evidence (JWS) verifiable ' +
          'with /.well-known/jwks.json. Errors are RFC 9457 application/problem+json with a stable `code`.',
      )
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'openapi.json', yamlDocumentUrl: 'openapi.yaml' });
  return { app, logger: log };
}
