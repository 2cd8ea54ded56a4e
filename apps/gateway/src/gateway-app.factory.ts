import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { LogController, type FastifyReply, type FastifyRequest, type HookHandlerDoneFunction } from 'fastify';
import { pino, type Logger } from 'pino';
import { PinoNestLogger } from '@motlan/logging/pino-nest-logger.js';
import { ErrorCodes } from '@motlan/errors/domain-error.js';
import type { GatewayConfig } from './config/gateway.config.js';
import { AuditSink } from '@motlan/audit/audit-sink.port.js';
import { PROBLEM_CONTENT_TYPE, problemType, sendProblem } from './common/problem.js';
import { GatewayModule } from './gateway.module.js';
import { opsPagePlugin } from './ops-page/ops-page.plugin.js';
import { AnonymousRateLimitedError, AnonymousRefusals } from './edge/anonymous-refusals.js';
import { depthCheckingJsonParser } from './edge/json-depth.js';
import { applySecurityHeaders, DOCS_PATH, OPENAPI_JSON_PATH } from './edge/security-headers.js';

/** Accept a caller's request id only if it is short and harmless to echo and log. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
/**
 * 9+ digits in a row could be a personal id (CCCD: 12, old CMND: 9) put in the request id: never
 * log it. Separators do not break the row (`0200-9405-9352`, `001.099.012.345`); letters do.
 */
const LOOKS_PERSONAL = /\d(?:[._:-]*\d){8,}/;

/** A random UUID that does not itself look like a personal id (about one in six would: `12345678-1234-…`). */
function generatedRequestId(): string {
  for (;;) {
    const id = randomUUID();
    if (!LOOKS_PERSONAL.test(id)) return id;
  }
}

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
  const late: { audit?: AuditSink; anonymous?: AnonymousRefusals } = {};
  const { requestTimeoutMs, headersTimeoutMs, idleTimeoutMs, keepAliveTimeoutMs } = config.http;
  const adapter = new FastifyAdapter({
    loggerInstance: log,
    // Request logs are written by the onResponse hook below with the route pattern, never the raw
    // URL: lookup URLs contain personal ids.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.http.bodyLimitBytes,
    // Slow clients: a request (headers and body) must arrive within requestTimeoutMs, its headers
    // within headersTimeoutMs (Node answers 408 through clientErrorHandler below); an idle socket
    // is closed after idleTimeoutMs, an idle keep-alive connection after keepAliveTimeoutMs.
    requestTimeout: requestTimeoutMs,
    connectionTimeout: idleTimeoutMs,
    keepAliveTimeout: keepAliveTimeoutMs,
    http: {
      requestTimeout: requestTimeoutMs,
      headersTimeout: headersTimeoutMs,
      // Node checks those timeouts every 30 s by default: a 30 s timeout could then take a minute.
      connectionsCheckingInterval: Math.min(1000, Math.max(100, Math.floor(headersTimeoutMs / 4))),
    },
    genReqId: (request: { headers: Record<string, string | string[] | undefined> }) => {
      const header = request.headers['x-request-id'];
      return typeof header === 'string' && REQUEST_ID.test(header) && !LOOKS_PERSONAL.test(header) ? header : generatedRequestId();
    },
    routerOptions: { maxParamLength: 200 },
    // Requests Node's HTTP parser refuses (broken framing, oversized headers) never reach routing:
    // answer with a minimal problem document and close, instead of the bare default 400.
    // They are audited like any refusal without a token (bounded: AnonymousRefusals). A request too
    // slow to arrive (requestTimeout, headersTimeout) ends here too, as 408.
    clientErrorHandler: (error: NodeJS.ErrnoException, socket: Socket) => {
      const refusal = parserRefusal(error);
      const requestId = generatedRequestId();
      const address = socket.remoteAddress ?? 'unknown';
      late.anonymous?.admit(address);
      void late.anonymous
        ?.record(address, refusal.code, {
          type: 'refusal',
          time: new Date().toISOString(),
          requestId,
          method: 'unknown',
          route: 'unparsed',
          clientId: null,
          status: refusal.status,
          code: refusal.code,
        })
        .catch(() => undefined);
      if (!socket.writable) return socket.destroy();
      const body = JSON.stringify({
        type: problemType(refusal.code),
        title: refusal.title,
        status: refusal.status,
        code: refusal.code,
        detail: refusal.detail,
        requestId,
      });
      socket.end(
        `HTTP/1.1 ${refusal.status} ${refusal.title}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nX-Request-Id: ${requestId}\r\nConnection: close\r\n\r\n${body}`,
      );
    },
    // The router's own refusals (a path parameter over maxParamLength, an undecodable URL) happen
    // before any route or Nest filter: answer them as problems too, and audit them like any refusal.
    frameworkErrors: (error: { code?: string }, request: FastifyRequest, reply: FastifyReply) => {
      void reply.header('x-request-id', request.id);
      // No route ran, so no token was verified: an anonymous refusal, limited per source address.
      const decision = late.anonymous?.admit(request.ip);
      if (decision?.allowed === false) {
        const limited = new AnonymousRateLimitedError(decision.retryAfterMs);
        void late.anonymous
          ?.record(request.ip, limited.code, {
            type: 'refusal',
            time: new Date().toISOString(),
            requestId: request.id,
            method: request.method,
            route: 'unmatched',
            clientId: null,
            status: limited.status,
            code: limited.code,
          })
          .catch(() => undefined);
        sendProblem(
          reply,
          {
            type: problemType(limited.code),
            title: limited.title,
            status: limited.status,
            code: limited.code,
            detail: limited.detail,
            instance: 'unmatched',
            requestId: request.id,
          },
          limited.retryAfterSeconds,
        );
        return;
      }
      const tooLong = error.code === 'FST_ERR_MAX_PARAM_LENGTH';
      const code = tooLong ? 'uri_too_long' : 'malformed_url';
      const status = tooLong ? 414 : 400;
      void late.anonymous
        ?.record(request.ip, code, {
          type: 'refusal',
          time: new Date().toISOString(),
          requestId: request.id,
          method: request.method,
          route: 'unmatched',
          clientId: null,
          status,
          code,
        })
        .catch(() => undefined);
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
  late.anonymous = app.get(AnonymousRefusals);
  const fastify = app.getHttpAdapter().getInstance();
  // Nesting is capped before anything parses or validates the body: 400 body_too_deep, not a stack
  // overflow in the validator (issue 13). Fastify's own parser keeps its prototype-poisoning checks.
  app.useBodyParser('application/json', { bodyLimit: config.http.bodyLimitBytes }, depthCheckingJsonParser(fastify.getDefaultJsonParser('error', 'error')));
  // Hooks in callback style, as every hook of the gateway: an async hook costs each request a
  // promise and a trip through the microtask queue, for work that never waits.
  fastify.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
    void reply.header('x-request-id', request.id);
    done();
  });
  fastify.addHook('onSend', (request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (error: null, payload: unknown) => void) => {
    applySecurityHeaders(request.url, reply);
    done(null, payload);
  });
  fastify.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
    request.log.info(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 },
      'request completed',
    );
    done();
  });
  // Errors Fastify raises before a route runs (unparseable JSON, body too large) reach Nest's
  // exception layer, hence ProblemFilter, like every other error.
  // A worker process serves its probes and metrics only: no page, no API document.
  if (!config.roles.api) return { app, logger: log };
  // The /ops page: static files built from ops-page/web/ (after the hooks above, which it needs).
  await app.register(opsPagePlugin, {});

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
      // Relative: every deployment serves its own document, so the origin it came from is the gateway.
      .addServer('/', 'This gateway (the origin serving this document)')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup(DOCS_PATH.slice(1), app, document, {
    jsonDocumentUrl: OPENAPI_JSON_PATH.slice(1),
    yamlDocumentUrl: 'openapi.yaml',
    // Only our own document: the init script would otherwise take the spec from `?url=` (a page of
    // our origin showing a foreign spec, with "try it out" aimed wherever it says).
    swaggerUrl: OPENAPI_JSON_PATH,
    swaggerOptions: { url: OPENAPI_JSON_PATH, queryConfigEnabled: false, validatorUrl: null },
  });
  return { app, logger: log };
}

/** What the HTTP parser refused, as a problem. */
function parserRefusal(error: NodeJS.ErrnoException): { status: number; code: string; title: string; detail: string } {
  if (error.code === 'HPE_HEADER_OVERFLOW')
    return {
      status: 431,
      code: 'headers_too_large',
      title: 'Request Header Fields Too Large',
      detail: 'the request headers are larger than the gateway accepts',
    };
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT')
    return { status: 408, code: ErrorCodes.requestTimeout, title: 'Request Timeout', detail: 'the request did not arrive in time' };
  return { status: 400, code: 'malformed_request', title: 'Bad Request', detail: 'the request is not valid HTTP' };
}
