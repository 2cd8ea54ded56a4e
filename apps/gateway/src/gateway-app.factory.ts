import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';
import { pino, type Logger } from 'pino';
import { PinoNestLogger } from '@motlan/logging/pino-nest-logger.js';
import type { GatewayConfig } from './config/gateway.config.js';
import { AuditSink } from '@motlan/audit/audit-sink.port.js';
import { PROBLEM_CONTENT_TYPE, problemType, sendProblem } from './common/problem.js';
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
  // Known once the application exists; refusals before that cannot happen (nothing listens yet).
  const late: { audit?: AuditSink } = {};
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
    // Requests Node's HTTP parser refuses (broken framing, oversized headers) never reach routing:
    // answer with a minimal problem document and close, instead of the bare default 400.
    clientErrorHandler: (error: NodeJS.ErrnoException, socket: Socket) => {
      if (!socket.writable) return socket.destroy();
      const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
      const code = status === 431 ? 'headers_too_large' : 'malformed_request';
      const body = JSON.stringify({ type: problemType(code), title: 'Invalid request', status, code, detail: 'the request is not valid HTTP' });
      socket.end(
        `HTTP/1.1 ${status} ${status === 431 ? 'Request Header Fields Too Large' : 'Bad Request'}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    },
    // The router's own refusals (a path parameter over maxParamLength, an undecodable URL) happen
    // before any route or Nest filter: answer them as problems too, and audit them like any refusal.
    frameworkErrors: (error: { code?: string }, request: FastifyRequest, reply: FastifyReply) => {
      const tooLong = error.code === 'FST_ERR_MAX_PARAM_LENGTH';
      const code = tooLong ? 'uri_too_long' : 'malformed_url';
      const status = tooLong ? 414 : 400;
      void late.audit
        ?.append({ type: 'refusal', time: new Date().toISOString(), requestId: request.id, method: request.method, route: 'unmatched', clientId: null, status, code })
        .catch(() => undefined);
      void reply.header('x-request-id', request.id);
      sendProblem(reply, {
        type: problemType(code),
        title: tooLong ? 'URI too long' : 'Invalid request',
        status,
        code,
        detail: tooLong ? 'a path segment is longer than the gateway accepts' : 'the URL cannot be decoded',
        instance: 'unmatched',
        requestId: request.id,
      });
    },
  });
  const app = await NestFactory.create<NestFastifyApplication>(GatewayModule.forRoot(config), adapter, {
    logger: new PinoNestLogger(log.child({ component: 'nest' })),
    bufferLogs: false,
    abortOnError: false,
  });
  late.audit = app.get(AuditSink);
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
