/**
 * The mini-program's API layer (the code the pages call) under Node against a real Galleria
 * server, started with its WeChat login and WeChat Pay simulators by
 * tests/miniprogram/test_miniprogram_e2e.py, which passes what a phone would have:
 *
 *   MP_BASE_URL     the server (http://127.0.0.1:PORT), MP_HOST the shop's host
 *   MP_LOGIN_CODE   a code the login simulator issued, as wx.login() gives one
 *   MP_PAY_SIM      the WeChat Pay simulator, MP_MERCHANT_PUBLIC_KEY the key paySign verifies with
 *   MP_VARIANTS     "white,silver" variant ids of the product the test stocked
 *
 * Browse → search (a two-character term) → the product with its gift (购买即送 冰箱滤芯, in
 * the phone's language) → add to cart → sign in with the code (the guest cart goes along) → preview → place the order → JSAPI parameters whose paySign verifies →
 * "WeChat" pays → the order is paid after the simulator's notification.
 */
import crypto from 'node:crypto';
import { ApiProblem } from '../../miniprogram/api/client';
import { orderBody, previewBody, settleShipping, shippingRows } from '../../miniprogram/lib/checkout';
import { JsapiParameters, payOrder } from '../../miniprogram/lib/pay';
import { promotionRows } from '../../miniprogram/lib/promotions';
import { OrderBody, Shop } from '../../miniprogram/lib/shop';
import { memoryStore } from '../../miniprogram/lib/storage';
import { nodeTransport } from '../support/node-transport';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run this through tests/miniprogram/ (pytest)`);
  return value;
};

jest.setTimeout(60000);

test('a shopper buys in the mini-program and pays with WeChat Pay', async () => {
  const shop = new Shop({ baseUrl: env('MP_BASE_URL'), hostHeader: env('MP_HOST'),
                          transport: nodeTransport, language: 'zh-CN' }, memoryStore());
  const [white, silver] = env('MP_VARIANTS').split(',').map(Number);

  // Browse and search: 冰箱 is two characters, which trigram indexes alone would miss.
  const listed = await shop.products({ limit: 10 });
  const fridge = listed.items.find((p) => p.name === '对开门冰箱')!;
  expect(fridge).toBeDefined();
  expect(fridge.price_from).toBe(329900);
  expect((await shop.products({ q: '冰箱' })).items.map((p) => p.id)).toContain(fridge.id);
  const product = await shop.product(fridge.id);
  expect(product.variants.map((v) => v.id).sort()).toEqual([white, silver].sort());
  // The gift the shop set for the fridge, worded by the shop as its web page words it.
  expect(promotionRows(product.promotions, white, product.currency, Date.now())
    .map((row) => [row.gift, row.label, row.text])).toEqual([[true, '赠品', '购买即送 冰箱滤芯']]);
  const english = new Shop({ baseUrl: env('MP_BASE_URL'), hostHeader: env('MP_HOST'),
                             transport: nodeTransport, language: 'en' }, memoryStore());
  expect((await english.product(fridge.id)).promotions.map((p) => [p.kind, p.label, p.text]))
    .toEqual([['gift', 'Free gift', 'Buy it and get 冰箱滤芯 free']]);

  // The silver one has a single unit: asking for two is the shop's 409, in words.
  const tooMany = await shop.addToCart(silver, 2).catch((error: unknown) => error);
  expect(tooMany).toBeInstanceOf(ApiProblem);
  expect((tooMany as ApiProblem).status).toBe(409);
  const cart = await shop.addToCart(white, 2);
  expect(cart.subtotal).toBe(659800);
  expect((await shop.setQuantity(white, 1)).lines.map((l) => [l.variant_id, l.quantity]))
    .toEqual([[white, 1]]);

  // Sign in with the wx.login() code: the guest cart becomes the shopper's.
  const session = await shop.signInWithWeChat(env('MP_LOGIN_CODE'));
  expect(session.token).toBeTruthy();
  expect(session.cart?.lines.map((l) => l.variant_id)).toEqual([white]);
  expect(shop.signedIn).toBe(true);

  const address = { name: '韩梅梅', phone: '13900139000', country: 'CN', province: '浙江省',
                    city: '杭州市', district: '西湖区', line1: '龙井路 1 号' };
  // As the checkout page does: preview, settle on a shipping option, preview again.
  const first = await shop.preview(previewBody(shop.cartId!, { address }));
  const code = settleShipping(first.shipping_options);
  const shipping = first.shipping_options.find((option) => option.code === code)!;
  expect(shipping).toMatchObject({ name: '快递', fee: 1200, eta: { min_days: 1, max_days: 3 } });
  expect(shippingRows(first.shipping_options, code, first.currency)[0])
    .toMatchObject({ fee: '¥12.00', eta: '预计1–3 天送达', selected: true });
  const preview = await shop.preview(previewBody(shop.cartId!, { address, shippingMethod: code }));
  expect(preview.total).toBe(329900 + 1200);
  const built = orderBody(shop.cartId!, { address, shippingMethod: code, note: '放门口' }, 'wechat');
  if ('missing' in built) throw new Error(built.missing);
  const placed = await shop.placeOrder(built.body as OrderBody, 'e2e-attempt-1');
  expect(placed.status).toBe('pending_payment');
  expect(placed.total).toBe(331100);
  expect(placed.note).toBe('放门口');
  expect(shop.cartId).toBeUndefined();  // a new cart for the next purchase
  const mine = await shop.myOrders();
  expect(mine.items.map((o) => o.number)).toContain(placed.number);

  // WeChat's payment sheet, as the phone would run it: check the signature, then pay.
  const publicKey = crypto.createPublicKey(env('MP_MERCHANT_PUBLIC_KEY'));
  const sheets: JsapiParameters[] = [];
  // The signed-in owner needs no access token, and names no payer: the shop pays as the
  // openid it learnt at sign-in.
  expect(shop.orderToken(placed.number)).toBeUndefined();
  const outcome = await payOrder(shop, placed.number, undefined, {
    login: async () => { throw new Error('already signed in: wx.login is not asked again'); },
    async requestPayment(parameters) {
      sheets.push(parameters);
      const message = `${parameters.appId}\n${parameters.timeStamp}\n${parameters.nonceStr}\n${parameters.package}\n`;
      const verified = crypto.verify('RSA-SHA256', Buffer.from(message), publicKey,
        Buffer.from(parameters.paySign, 'base64'));
      if (!verified) throw new Error('paySign does not verify');
      const prepayId = parameters.package.replace(/^prepay_id=/, '');
      const paid = await fetch(`${env('MP_PAY_SIM')}/pay/${prepayId}`, {
        method: 'POST', headers: { accept: 'application/json' } });
      return paid.ok;
    },
  }, { polls: 40, pollMs: 250 });

  expect(sheets).toHaveLength(1);
  expect(sheets[0].signType).toBe('RSA');
  expect(outcome.kind).toBe('paid');
  const order = await shop.order(placed.number);
  expect(order.status).toBe('paid');
  expect(order.timeline.map((entry) => entry.to_status)).toContain('paid');

  // 客服 about the order, as the order page opens it; the shop's info and categories live.
  const opened = await shop.openTicket({ kind: 'complaint', subject: '送货时间', body: '能周末送吗？',
                                         order_number: placed.number }, 'e2e-ticket-1');
  expect(opened.order_number).toBe(placed.number);
  const replied = await shop.replyToTicket(opened.id, '周六上午最好');
  expect(replied.messages.map((m) => m.body)).toEqual(['能周末送吗？', '周六上午最好']);
  expect((await shop.tickets()).items.map((item) => item.id)).toContain(opened.id);
  expect((await shop.info()).banners).toEqual([]);
  expect((await shop.categories()).items).toEqual([]);
});
