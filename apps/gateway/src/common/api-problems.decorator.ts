import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { PROBLEM_CONTENT_TYPE } from './problem.js';
import { ProblemDto } from './problem.dto.js';

/** The refusal and failure statuses the gateway's routes answer with a problem document. */
export type ProblemStatus = 400 | 401 | 403 | 404 | 409 | 412 | 413 | 415 | 422 | 429 | 503;

/** A status with the generic description, or with the route's own (its codes). */
export type ProblemAnswer = ProblemStatus | { status: ProblemStatus; description: string };

const RETRY_AFTER = {
  'Retry-After': { description: 'Seconds to wait before trying again', schema: { type: 'integer', minimum: 1 } },
};

/** What a status means on any route that declares it without a description of its own. */
const GENERIC: Record<ProblemStatus, string> = {
  400: 'Invalid request: `validation_failed` (with `invalidParams`), `malformed_body`, `body_too_deep`',
  401: 'No valid bearer token: `token_missing`, `token_invalid`, `token_expired`, `token_audience`, `token_issuer`, `token_algorithm`, `token_lifetime`, `key_unknown`, `token_revoked`',
  403: 'The token lacks the scope the route needs: `missing_scope` (with `requiredScope`)',
  404: 'Not found',
  409: 'Conflicts with the current state',
  412: 'If-Match names another revision than the current one: `precondition_failed`',
  413: 'Body larger than the gateway accepts: `body_too_large`',
  415: 'Body is not JSON: `unsupported_media_type`',
  422: 'Well-formed, but cannot be carried out as asked',
  429: 'Over the rate limit (of the client, or of refused requests without a valid token from one address): `rate_limited`; retry after `Retry-After` seconds',
  503: "A backing service cannot answer now (e.g. `jwks_unavailable`: the token issuer's keys); nothing was done: retry after `Retry-After` seconds",
};

/** Statuses after which waiting helps: sent with Retry-After. */
const RETRYABLE = new Set<ProblemStatus>([429, 503]);

/** What every route behind a bearer token can answer: a bad token, a rate limit, the issuer's keys unreadable. */
export const TOKEN_PROBLEMS: readonly ProblemStatus[] = [401, 429, 503];

/** What every route with a JSON body can answer before it runs: invalid, too large, not JSON. */
export const BODY_PROBLEMS: readonly ProblemStatus[] = [400, 413, 415];

/**
 * Documents the problem+json answers of a route: one response per status, each with the shared
 * `Problem` schema, so that a client generated from the document knows every error body. List
 * only what the route can really answer; a route's own codes go in the description form, which
 * replaces the generic description of that status wherever it comes in the list.
 */
export function ApiProblems(...answers: ProblemAnswer[]): MethodDecorator {
  const described = new Map<ProblemStatus, string>();
  for (const answer of answers) {
    if (typeof answer === 'object') described.set(answer.status, answer.description);
    else if (!described.has(answer)) described.set(answer, GENERIC[answer]);
  }
  return applyDecorators(
    ApiExtraModels(ProblemDto),
    ...[...described.entries()]
      .sort(([a], [b]) => a - b)
      .map(([status, description]) =>
        ApiResponse({
          status,
          description,
          content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: getSchemaPath(ProblemDto) } } },
          ...(RETRYABLE.has(status) ? { headers: RETRY_AFTER } : {}),
        }),
      ),
  );
}
