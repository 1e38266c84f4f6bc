/** The API layer and the pay flow against a scripted transport: what goes over the wire. */
import { ApiProblem } from '../../miniprogram/api/client';
import { HttpRequest, HttpResponse, Transport } from '../../miniprogram/api/transport';
import { payOrder } from '../../miniprogram/lib/pay';
import { Shop } from '../../miniprogram/lib/shop';
import { memoryStore } from '../../miniprogram/lib/storage';

type Route = (request: HttpRequest) => HttpResponse;

function scripted(routes: Record<string, Route>): Transport & { seen: HttpRequest[] } {
  const seen: HttpRequest[] = [];
  return {
    seen,
    async request(request) {
      seen.push(request);
      const path = new URL(request.url).pathname;
      const route = routes[`${request.method} ${path}`];
      if (!route) return { status: 404, headers: {}, data: { title: 'Not Found', status: 404, detail: path } };
      return route(request);
    },
  };
}

const ok = (data: unknown, status = 200): HttpResponse => ({ status, headers: {}, data });
const JSAPI = { type: 'jsapi', appId: 'wx0123456789abcdef', timeStamp: '1700000000', nonceStr: 'n1',
                package: 'prepay_id=wx2026', signType: 'RSA', paySign: 'c2ln' };

test('a problem answer becomes an ApiProblem with the shop\'s words; the host and token go along', async () => {
  const transport = scripted({
    'POST /api/v1/carts': () => ok({ id: 'cart1' }, 201),
    'POST /api/v1/carts/cart1/items': () => ({ status: 409, headers: {}, data: {
      type: 'https://galleria.dev/problems/out-of-stock', title: 'Conflict', status: 409,
      detail: '库存不足：只剩 1 件', errors: [{ field: 'quantity', message: '最多 1 件' }] } }),
  });
  const shop = new Shop({ baseUrl: 'http://127.0.0.1:1', transport, hostHeader: 'demo.localhost' }, memoryStore());
  const failure = await shop.addToCart(5, 2).catch((error: unknown) => error);
  expect(failure).toBeInstanceOf(ApiProblem);
  expect((failure as ApiProblem).detail).toBe('库存不足：只剩 1 件');
  expect((failure as ApiProblem).errors[0].field).toBe('quantity');
  expect(transport.seen[1].headers.host).toBe('demo.localhost');
  expect(transport.seen[1].body).toEqual({ variant_id: 5, quantity: 2 });
  expect(shop.cartId).toBe('cart1');
});

test('paying signs in with wx.login first, hands the JSAPI parameters to requestPayment, then waits for paid', async () => {
  let status = 'pending_payment';
  const transport = scripted({
    'POST /api/v1/account/wechat/mini-program': (r) => ok({ token: `tok-${(r.body as { code: string }).code}`,
      customer: { id: 1 }, expires_at: '', cart: null }),
    'POST /api/v1/orders/N1/payments': () => ok({ payment_id: 'P1', action: JSAPI }, 201),
    'GET /api/v1/orders/N1': () => { const answer = ok({ number: 'N1', status }); status = 'paid'; return answer; },
  });
  const shop = new Shop({ baseUrl: 'https://demo.example.com', transport }, memoryStore());
  const paid: unknown[] = [];
  const outcome = await payOrder(shop, 'N1', 'acc', {
    login: async () => 'code-1',
    requestPayment: async (parameters) => { paid.push(parameters); return true; },
  }, { pollMs: 1 });
  expect(outcome.kind).toBe('paid');
  expect(paid).toEqual([{ appId: JSAPI.appId, timeStamp: '1700000000', nonceStr: 'n1',
                          package: 'prepay_id=wx2026', signType: 'RSA', paySign: 'c2ln' }]);
  const start = transport.seen.find((r) => r.url.includes('/payments'))!;
  expect(start.headers.authorization).toBe('Bearer tok-code-1');
  expect(start.url).toContain('access_token=acc');
  // The shop names the payer from the sign-in: the client sends no openid.
  expect(start.body).toEqual({ method: 'wechat', scene: 'jsapi' });
  expect(start.headers['idempotency-key']).toMatch(/^mp-/);
});

const PAYER_UNKNOWN = (): HttpResponse => ({ status: 422, headers: {}, data: {
  type: 'https://galleria.dev/problems/wechat_payer_unknown', title: 'WeChat sign-in needed',
  status: 422, detail: '需要先用微信登录' } });

test('a shopper signed in before openids were kept signs in again once, and the payment goes through', async () => {
  let refused = false;
  const transport = scripted({
    'POST /api/v1/account/wechat/mini-program': (r) => ok({ token: `tok-${(r.body as { code: string }).code}`,
      customer: { id: 1 }, expires_at: '', cart: null }),
    // The old token's shopper has no openid on record; after the new sign-in the shop has one.
    'POST /api/v1/orders/N4/payments': (r) => {
      if (r.headers.authorization === 'Bearer old') { refused = true; return PAYER_UNKNOWN(); }
      return ok({ payment_id: 'P4', action: JSAPI }, 201);
    },
    'GET /api/v1/orders/N4': () => ok({ number: 'N4', status: 'paid' }),
  });
  const store = memoryStore();
  store.set('galleria.token', 'old');
  const shop = new Shop({ baseUrl: 'https://demo.example.com', transport }, store);
  const codes: string[] = [];
  const sheets: unknown[] = [];
  const outcome = await payOrder(shop, 'N4', undefined, {
    login: async () => { codes.push('code-2'); return 'code-2'; },
    requestPayment: async (parameters) => { sheets.push(parameters); return true; },
  }, { pollMs: 1 });
  expect(refused).toBe(true);
  expect(outcome.kind).toBe('paid');
  expect(codes).toEqual(['code-2']);  // wx.login once
  expect(sheets).toHaveLength(1);
  expect(transport.seen.map((r) => `${r.method} ${new URL(r.url).pathname} ${r.headers.authorization ?? ''}`)).toEqual([
    'POST /api/v1/orders/N4/payments Bearer old',
    'POST /api/v1/account/wechat/mini-program Bearer old',
    'POST /api/v1/orders/N4/payments Bearer tok-code-2',
    'GET /api/v1/orders/N4 Bearer tok-code-2',
  ]);
  const [first, , retry] = transport.seen;
  expect(retry.headers['idempotency-key']).toBe(first.headers['idempotency-key']);  // one attempt
  expect(shop.signedIn).toBe(true);
});

test('re-signing in is tried once only, and not for another 422', async () => {
  let logins = 0;
  const payer = { login: async () => { logins += 1; return `c${logins}`; },
                  requestPayment: async () => true };
  const stillUnknown = scripted({
    'POST /api/v1/account/wechat/mini-program': () => ok({ token: 'tok-new', customer: { id: 1 }, expires_at: '', cart: null }),
    'POST /api/v1/orders/N5/payments': PAYER_UNKNOWN,
  });
  const store = memoryStore();
  store.set('galleria.token', 'old');
  const shop = new Shop({ baseUrl: 'https://demo.example.com', transport: stillUnknown }, store);
  const failure = await payOrder(shop, 'N5', undefined, payer).catch((error: unknown) => error);
  expect(failure).toBeInstanceOf(ApiProblem);
  expect((failure as ApiProblem).code).toBe('wechat_payer_unknown');
  expect(logins).toBe(1);
  expect(stillUnknown.seen.filter((r) => r.url.includes('/payments'))).toHaveLength(2);

  // The AppID mismatch is a 422 too, but signing in again cannot mend it: no wx.login.
  const mismatch = scripted({
    'POST /api/v1/orders/N6/payments': () => ({ status: 422, headers: {}, data: {
      type: 'https://galleria.dev/problems/validation_failed', title: 'Validation failed',
      status: 422, detail: 'WeChat Pay is set up for another AppID' } }),
  });
  logins = 0;
  const other = new Shop({ baseUrl: 'https://demo.example.com', transport: mismatch }, store);
  const refused = await payOrder(other, 'N6', undefined, payer).catch((error: unknown) => error);
  expect((refused as ApiProblem).code).toBe('validation_failed');
  expect(logins).toBe(0);
  expect(mismatch.seen).toHaveLength(1);
});

test('closing the payment sheet leaves the order unpaid and says so', async () => {
  const transport = scripted({
    'POST /api/v1/orders/N2/payments': () => ok({ payment_id: 'P2', action: JSAPI }, 201),
  });
  const store = memoryStore();
  store.set('galleria.token', 'tok');
  const shop = new Shop({ baseUrl: 'https://demo.example.com', transport }, store);
  const outcome = await payOrder(shop, 'N2', undefined, {
    login: async () => { throw new Error('not asked: already signed in'); },
    requestPayment: async () => false,
  });
  expect(outcome).toEqual({ kind: 'cancelled' });
  expect(transport.seen.map((r) => `${r.method} ${new URL(r.url).pathname}`)).toEqual([
    'POST /api/v1/orders/N2/payments']);
  expect(transport.seen[0].url).not.toContain('access_token');
});

test('a signed-in shopper\'s order needs no access token; a guest\'s keeps it on the phone', async () => {
  const placed = (number: string) => () => ok({ number, status: 'pending_payment', access_token: `t-${number}` }, 201);
  const transport = scripted({
    'POST /api/v1/orders': placed('G1'),
    'GET /api/v1/orders/G1': () => ok({ number: 'G1', status: 'pending_payment' }),
  });
  const store = memoryStore();
  const shop = new Shop({ baseUrl: 'https://demo.example.com', transport }, store);
  await shop.placeOrder({} as never, 'k1');
  expect(shop.orderToken('G1')).toBe('t-G1');
  await shop.order('G1');
  expect(transport.seen[1].url).toContain('access_token=t-G1');

  store.set('galleria.token', 'tok');
  transport.seen.length = 0;
  const signedIn = scripted({ 'POST /api/v1/orders': placed('S1'),
    'GET /api/v1/orders/S1': () => ok({ number: 'S1', status: 'pending_payment' }) });
  const mine = new Shop({ baseUrl: 'https://demo.example.com', transport: signedIn }, store);
  await mine.placeOrder({} as never, 'k2');
  expect(mine.orderToken('S1')).toBeUndefined();
  await mine.order('S1');
  expect(signedIn.seen[1].url).not.toContain('access_token');
  expect(signedIn.seen[1].headers.authorization).toBe('Bearer tok');
});

test('a shop answering another kind of payment is refused, not passed to WeChat', async () => {
  const transport = scripted({
    'POST /api/v1/orders/N3/payments': () => ok({ payment_id: 'P3', action: { type: 'qr_code', qr_code: 'weixin://x' } }, 201),
  });
  const store = memoryStore();
  store.set('galleria.token', 'tok');
  const shop = new Shop({ baseUrl: 'https://demo.example.com', transport }, store);
  const requested: unknown[] = [];
  await expect(payOrder(shop, 'N3', undefined, { login: async () => 'c',
    requestPayment: async (p) => { requested.push(p); return true; } })).rejects.toThrow(/qr_code/);
  expect(requested).toEqual([]);
});

test('a quantity is set with one PUT (wx.request cannot PATCH)', async () => {
  const transport = scripted({
    'PUT /api/v1/carts/cart1/items/7': (r) => ok({ id: 'cart1', lines: [{ variant_id: 7, quantity: (r.body as { quantity: number }).quantity }] }),
  });
  const store = memoryStore();
  store.set('galleria.cart', 'cart1');
  const shop = new Shop({ baseUrl: 'https://demo.example.com', transport }, store);
  const cart = await shop.setQuantity(7, 1);
  expect(cart.lines[0].quantity).toBe(1);
  expect(transport.seen.map((r) => [r.method, r.body])).toEqual([['PUT', { quantity: 1 }]]);
});
