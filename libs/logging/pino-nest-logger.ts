import type { LoggerService } from '@nestjs/common';
import type { Logger as Pino } from 'pino';

/**
 * Routes Nest's own log lines (bootstrap, module messages, Logger instances) into the same pino
 * logger as Fastify's request logs, so every line is structured JSON. Object messages are merged
 * as fields; never pass personal data in either.
 */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly pino: Pino) {}

  log(message: unknown, ...rest: unknown[]): void {
    this.write('info', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('trace', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }

  private write(level: 'info' | 'error' | 'warn' | 'debug' | 'trace' | 'fatal', message: unknown, rest: unknown[]): void {
    // Nest passes the context (class name) as the last string argument.
    const context = typeof rest[rest.length - 1] === 'string' ? (rest[rest.length - 1] as string) : undefined;
    const text = rest.find((r, i) => typeof r === 'string' && i < rest.length - 1) as string | undefined;
    if (message !== null && typeof message === 'object') {
      this.pino[level]({ context, ...(message as object) }, text ?? '');
    } else {
      this.pino[level]({ context }, String(message));
    }
  }
}

/** A short, non-reversible tag of a subject id for logs: enough to correlate, not to identify. */
export function subjectTag(subjectId: string): string {
  let hash = 2166136261;
  for (let i = 0; i < subjectId.length; i++) hash = Math.imul(hash ^ subjectId.charCodeAt(i), 16777619);
  return (hash >>> 0).toString(16).padStart(8, '0');
}
