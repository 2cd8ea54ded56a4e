/**
 * A client typed only by the TypeScript types openapi-typescript generates from the gateway's
 * OpenAPI document (test/support/generated/openapi.d.ts): what a vendor's generated client would
 * know, and nothing more. Path, parameters, body and every documented answer come from the
 * document; a route, parameter or schema the document changes breaks the code that uses it.
 */
import type { paths } from './generated/openapi.js';

export type Path = keyof paths;
type Method = 'get' | 'put' | 'post' | 'delete';

/** The methods the document defines for `P`. */
export type MethodOf<P extends Path> = { [M in Method]: paths[P][M] extends { responses: object } ? M : never }[Method];
type Operation<P extends Path, M extends MethodOf<P>> = Extract<paths[P][M], { responses: object }>;
type Responses<O> = O extends { responses: infer R } ? R : never;

/** The body of one documented answer: its JSON or problem+json schema, undefined when it has none. */
type ContentOf<R> = R extends { content: { 'application/json': infer B } } ? B : R extends { content: { 'application/problem+json': infer B } } ? B : unknown;

/** Every documented answer of an operation, told apart by `status`. */
export type Answer<O> = {
  [S in keyof Responses<O>]: { status: S; contentType: string | null; headers: Headers; body: ContentOf<Responses<O>[S]> };
}[keyof Responses<O>];

type ParamsOf<O> = O extends { parameters: infer X } ? X : never;
type JsonBody<O> = O extends { requestBody?: { content: { 'application/json': infer B } } } ? B : never;

export interface Request<O> {
  /** Path, query and header parameters, as the document names them. */
  params: ParamsOf<O>;
  /** The JSON body, when the operation takes one. */
  body?: JsonBody<O>;
  /** Bearer token: the document says which operations need one, not this client. */
  token?: string;
}

/** Calls `method path` on `baseUrl` with typed parameters; the answer is typed by its status. */
export async function callApi<P extends Path, M extends MethodOf<P>>(
  baseUrl: string,
  method: M,
  path: P,
  request: Request<Operation<P, M>>,
): Promise<Answer<Operation<P, M>>> {
  const params = request.params as { path?: Record<string, string>; query?: Record<string, string | undefined>; header?: Record<string, string | undefined> };
  let url = String(path).replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params.path?.[name] ?? ''));
  const query = new URLSearchParams(Object.entries(params.query ?? {}).filter((entry): entry is [string, string] => entry[1] !== undefined));
  if (query.size > 0) url += `?${query}`;
  const headers: Record<string, string> = Object.fromEntries(
    Object.entries(params.header ?? {}).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
  if (request.token !== undefined) headers.authorization = `Bearer ${request.token}`;
  if (request.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(baseUrl + url, {
    method: method.toUpperCase(),
    headers,
    body: request.body === undefined ? undefined : JSON.stringify(request.body),
  });
  const text = await response.text();
  const contentType = response.headers.get('content-type');
  const body: unknown = text && contentType !== null && /json/.test(contentType) ? JSON.parse(text) : text || undefined;
  return { status: response.status, contentType, headers: response.headers, body } as Answer<Operation<P, M>>;
}
