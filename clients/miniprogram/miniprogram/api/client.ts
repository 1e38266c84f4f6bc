/**
 * A typed client of the storefront API. Paths, bodies and answers come from `schema.d.ts`,
 * generated from the server's `/schema/openapi.json` (npm run api-types): an API change that
 * breaks the client breaks `tsc`.
 */
import type { paths } from './schema';
import { HttpRequest, NetworkError, Transport } from './transport';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type Json<A> = A extends { content: { 'application/json': infer J } } ? J : void;
type Operation<P extends keyof paths, M extends Method> = NonNullable<paths[P][M]>;
export type Answer<P extends keyof paths, M extends Method> =
  Operation<P, M> extends { responses: infer R }
    ? R extends { 200: infer A } ? Json<A>
      : R extends { 201: infer A } ? Json<A>
        : void
    : never;
export type Body<P extends keyof paths, M extends Method> =
  Operation<P, M> extends { requestBody: { content: { 'application/json': infer J } } } ? J
    : Operation<P, M> extends { requestBody?: { content: { 'application/json': infer J } } } ? J
      : never;

export interface CallOptions<B> {
  params?: Record<string, string | number>;
  query?: Record<string, string | number | boolean | undefined>;
  body?: B;
  idempotencyKey?: string;
}

export interface ProblemField { field: string; message: string }

/** An answer of 4xx/5xx: the problem+json the server sent (RFC 9457). */
export class ApiProblem extends Error {
  readonly status: number;
  readonly type: string;
  readonly title: string;
  readonly detail: string;
  readonly errors: ProblemField[];
  readonly raw: Record<string, unknown>;

  constructor(status: number, raw: Record<string, unknown>) {
    super(String(raw.detail || raw.title || `HTTP ${status}`));
    this.name = 'ApiProblem';
    this.status = status;
    this.raw = raw;
    this.type = String(raw.type || '');
    this.title = String(raw.title || '');
    this.detail = String(raw.detail || raw.title || '');
    this.errors = Array.isArray(raw.errors) ? (raw.errors as ProblemField[]) : [];
  }

  /** The problem's stable machine name: the last segment of its `type`
   * (`https://galleria.dev/problems/out_of_stock` → `out_of_stock`). Recognise problems by
   * it, never by their words, which follow the shopper's language. */
  get code(): string {
    return this.type.replace(/\/+$/, '').split('/').pop() ?? '';
  }
}

export interface ClientConfig {
  /** `https://{shop host}` — the shop is chosen by the host. */
  baseUrl: string;
  transport: Transport;
  /** Only where the host cannot be in the URL (tests against 127.0.0.1). */
  hostHeader?: string;
  /** The shopper's bearer token, read on every request. */
  token?: () => string | undefined;
  language?: string;
}

function fillPath(template: string, params: Record<string, string | number> = {}): string {
  return template.replace(/\{([a-z_]+)\}/g, (_, name: string) => {
    if (params[name] === undefined) throw new Error(`missing path parameter ${name}`);
    return encodeURIComponent(String(params[name]));
  });
}

function queryString(query: CallOptions<unknown>['query'] = {}): string {
  const parts = Object.entries(query)
    .filter(([, value]) => value !== undefined && value !== '')
    .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`);
  return parts.length ? `?${parts.join('&')}` : '';
}

export class ApiClient {
  constructor(readonly config: ClientConfig) {}

  /** A path outside the OpenAPI document (e.g. `/regions`): untyped. */
  async raw(method: HttpRequest['method'], path: string, body?: unknown): Promise<unknown> {
    return this.send({ method, url: this.config.baseUrl.replace(/\/$/, '') + path,
                       headers: this.headers() }, body);
  }

  private headers(idempotencyKey?: string): Record<string, string> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.config.hostHeader) headers.host = this.config.hostHeader;
    if (this.config.language) headers['accept-language'] = this.config.language;
    const token = this.config.token?.();
    if (token) headers.authorization = `Bearer ${token}`;
    if (idempotencyKey) headers['idempotency-key'] = idempotencyKey;
    return headers;
  }

  private async send(request: HttpRequest, body: unknown): Promise<unknown> {
    if (body !== undefined) {
      request.body = body;
      request.headers['content-type'] = 'application/json';
    }
    const response = await this.config.transport.request(request);
    if (response.status >= 400) {
      const raw = response.data && typeof response.data === 'object'
        ? response.data as Record<string, unknown> : { detail: String(response.data || '') };
      throw new ApiProblem(response.status, raw);
    }
    return response.status === 204 ? undefined : response.data;
  }

  async call<P extends keyof paths, M extends Method>(
    method: M, path: P, options: CallOptions<Body<P, M>> = {},
  ): Promise<Answer<P, M>> {
    const request: HttpRequest = {
      method: method.toUpperCase() as HttpRequest['method'],
      url: this.config.baseUrl.replace(/\/$/, '') + fillPath(String(path), options.params)
        + queryString(options.query),
      headers: this.headers(options.idempotencyKey),
    };
    return await this.send(request, options.body) as Answer<P, M>;
  }
}

export { NetworkError };
