import type { FastifyReply } from 'fastify';

/** RFC 9457 problem document as the gateway answers it. `code` is stable; `detail` is for humans. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
  instance?: string;
  requestId?: string;
  [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export function problemType(code: string): string {
  return `https://motlan.gov.vn/problems/${code.replace(/_/g, '-')}`;
}

export function sendProblem(reply: FastifyReply, problem: Problem, retryAfterSeconds?: number): void {
  if (retryAfterSeconds !== undefined) void reply.header('retry-after', String(retryAfterSeconds));
  void reply.status(problem.status).header('content-type', PROBLEM_CONTENT_TYPE).send(problem);
}
