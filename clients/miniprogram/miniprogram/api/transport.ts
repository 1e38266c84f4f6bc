/**
 * The one thing the API layer needs from its platform: send an HTTP request, get the status
 * and the decoded JSON back. In the mini-program it is `wx.request` (wx-transport.ts); under
 * Node (tests) it is node:http (test/support/node-transport.ts). Nothing else in `api/`
 * touches `wx`, so the same code runs in both.
 */
export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  headers: Record<string, string>;
  body?: unknown;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  data: unknown;
}

export interface Transport {
  request(request: HttpRequest): Promise<HttpResponse>;
}

/** The request never reached the shop (no network, DNS, TLS, domain not whitelisted). */
export class NetworkError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NetworkError';
  }
}
