/** The Transport under Node (tests): node:http, so the `Host` header can name the shop
 * while the request goes to 127.0.0.1 (as the API contract allows for tests). */
import http from 'node:http';
import https from 'node:https';
import { HttpRequest, HttpResponse, NetworkError, Transport } from '../../miniprogram/api/transport';

export const nodeTransport: Transport = {
  request(request: HttpRequest): Promise<HttpResponse> {
    const url = new URL(request.url);
    const body = request.body === undefined ? undefined : Buffer.from(JSON.stringify(request.body));
    const headers: Record<string, string | number> = { ...request.headers };
    if (body) headers['content-length'] = body.length;
    return new Promise((resolve, reject) => {
      const sent = (url.protocol === 'https:' ? https : http).request(url, {
        method: request.method, headers, timeout: 30000,
      }, (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let data: unknown = text;
          try { data = text ? JSON.parse(text) : undefined; } catch { /* not JSON: keep text */ }
          resolve({ status: answer.statusCode ?? 0, headers: answer.headers as Record<string, string>, data });
        });
      });
      sent.on('error', (error) => reject(new NetworkError(error.message)));
      sent.on('timeout', () => sent.destroy(new Error('timed out')));
      if (body) sent.write(body);
      sent.end();
    });
  },
};
