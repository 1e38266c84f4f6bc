/**
 * The shop as the pages see it: the storefront API calls, the shopper's token and cart id
 * kept in storage. No `wx` here (the transport and the store are given), so the same code
 * runs in the mini-program and under Node in the end-to-end test.
 */
import { Answer, ApiClient, Body, ClientConfig } from '../api/client';
import { KeyValue } from './storage';

const TOKEN = 'galleria.token';
const CART = 'galleria.cart';
const ORDER_TOKEN = 'galleria.order.';

export type ProductList = Answer<'/api/v1/products', 'get'>;
export type Product = Answer<'/api/v1/products/{product_id}', 'get'>;
export type Cart = Answer<'/api/v1/carts/{cart_id}', 'get'>;
export type Preview = Answer<'/api/v1/checkout/preview', 'post'>;
export type PreviewBody = Body<'/api/v1/checkout/preview', 'post'>;
export type OrderBody = Body<'/api/v1/orders', 'post'>;
export type PlacedOrder = Answer<'/api/v1/orders', 'post'>;
export type Order = Answer<'/api/v1/orders/{number}', 'get'>;
export type StartedPayment = Answer<'/api/v1/orders/{number}/payments', 'post'>;
export type Session = Answer<'/api/v1/account/wechat/mini-program', 'post'>;

let attempts = 0;
/** An Idempotency-Key for one user action (a retry of the same tap sends the same key). */
export function newAttemptKey(): string {
  attempts += 1;
  return `mp-${Date.now().toString(36)}-${attempts}-${Math.random().toString(36).slice(2, 10)}`;
}

export class Shop {
  readonly api: ApiClient;

  constructor(config: Omit<ClientConfig, 'token'>, readonly store: KeyValue) {
    this.api = new ApiClient({ ...config, token: () => this.store.get(TOKEN) });
  }

  get signedIn(): boolean { return Boolean(this.store.get(TOKEN)); }
  get cartId(): string | undefined { return this.store.get(CART); }

  // -- catalog --------------------------------------------------------------------------
  products(query: { q?: string; category?: string; limit?: number; cursor?: string } = {}):
    Promise<ProductList> {
    return this.api.call('get', '/api/v1/products', { query });
  }

  /** The shop's name, colour, logo and home-page banners (`GET /api/v1/shop`). */
  info() { return this.api.call('get', '/api/v1/shop', {}); }

  /** The category tree (`GET /api/v1/categories`), in display order. */
  categories() { return this.api.call('get', '/api/v1/categories', {}); }

  product(id: number): Promise<Product> {
    return this.api.call('get', '/api/v1/products/{product_id}', { params: { product_id: id } });
  }

  /** The product's published reviews, newest first, and their summary (reviews plugin). */
  productReviews(id: number, limit = 5) {
    return this.api.call('get', '/api/v1/products/{product_id}/reviews',
      { params: { product_id: id }, query: { limit } });
  }

  /** Running and upcoming flash sales (campaigns plugin). */
  flashSales() { return this.api.call('get', '/api/v1/flash-sales', {}); }

  // -- cart -----------------------------------------------------------------------------
  async cart(): Promise<Cart | null> {
    const id = this.cartId;
    if (!id) return null;
    return this.api.call('get', '/api/v1/carts/{cart_id}', { params: { cart_id: id } });
  }

  private async ensureCart(): Promise<string> {
    const existing = this.cartId;
    if (existing) return existing;
    const created = await this.api.call('post', '/api/v1/carts', {});
    this.store.set(CART, created.id);
    return created.id;
  }

  async addToCart(variantId: number, quantity = 1): Promise<Cart> {
    const cartId = await this.ensureCart();
    return this.api.call('post', '/api/v1/carts/{cart_id}/items', {
      params: { cart_id: cartId }, body: { variant_id: variantId, quantity } });
  }

  /** A line to `quantity` (0 removes it): `PUT`, as `wx.request` cannot send `PATCH`. */
  async setQuantity(variantId: number, quantity: number): Promise<Cart> {
    const cartId = await this.ensureCart();
    return this.api.call('put', '/api/v1/carts/{cart_id}/items/{variant_id}', {
      params: { cart_id: cartId, variant_id: variantId }, body: { quantity } });
  }

  // -- sign-in --------------------------------------------------------------------------
  /** Trade a `wx.login()` code for the shopper's token; the guest cart goes along. */
  async signInWithWeChat(code: string): Promise<Session> {
    const session = await this.api.call('post', '/api/v1/account/wechat/mini-program', {
      body: { code, cart_id: this.cartId ?? null } });
    this.store.set(TOKEN, session.token);
    if (session.cart?.id) this.store.set(CART, String(session.cart.id));
    return session;
  }

  signOut(): void {
    this.store.remove(TOKEN);
    this.store.remove(CART);
  }

  // -- checkout and orders --------------------------------------------------------------
  preview(body: PreviewBody): Promise<Preview> {
    return this.api.call('post', '/api/v1/checkout/preview', { body });
  }

  async placeOrder(body: OrderBody, attemptKey: string): Promise<PlacedOrder> {
    const placed = await this.api.call('post', '/api/v1/orders',
      { body, idempotencyKey: attemptKey });
    this.store.remove(CART);
    // A signed-in owner needs no token (the shop knows them); a guest's order opens with it.
    if (!this.signedIn && placed.access_token) {
      this.store.set(`${ORDER_TOKEN}${placed.number}`, placed.access_token);
    }
    return placed;
  }

  /** The access token of a guest order placed on this phone, if any. */
  orderToken(number: string): string | undefined {
    return this.store.get(`${ORDER_TOKEN}${number}`);
  }

  /** Order `number`: the signed-in customer's own, or a guest's with its access token
   * (given, or kept when it was placed on this phone). */
  order(number: string, accessToken?: string): Promise<Order> {
    return this.api.call('get', '/api/v1/orders/{number}',
      { params: { number }, query: { access_token: accessToken ?? this.orderToken(number) } });
  }

  /** Start paying: the shop names the payer (the signed-in shopper's openid) itself. */
  startPayment(number: string, accessToken: string | undefined, body:
    Body<'/api/v1/orders/{number}/payments', 'post'>, attemptKey: string): Promise<StartedPayment> {
    return this.api.call('post', '/api/v1/orders/{number}/payments', {
      params: { number }, query: { access_token: accessToken ?? this.orderToken(number) },
      body, idempotencyKey: attemptKey });
  }

  myOrders(cursor?: string) {
    return this.api.call('get', '/api/v1/account/orders', { query: { cursor } });
  }

  /** `code → name` of the divisions under `parent` ("" for provinces), from the shop's
   * GB/T 2260 table (`/regions`, outside the versioned API). */
  async regions(parent: string): Promise<Record<string, string>> {
    const path = parent ? `/regions/${parent}` : '/regions';
    const answer = await this.api.raw('GET', path) as { items: { code: string; name: string }[] };
    return Object.fromEntries(answer.items.map((item) => [item.code, item.name]));
  }

  requestReturn(number: string, accessToken: string | undefined,
                body: Body<'/api/v1/orders/{number}/returns', 'post'>, attemptKey: string) {
    return this.api.call('post', '/api/v1/orders/{number}/returns', {
      params: { number }, query: { access_token: accessToken }, body, idempotencyKey: attemptKey });
  }

  // -- 客服 (tickets) ------------------------------------------------------------------
  tickets() { return this.api.call('get', '/api/v1/tickets', {}); }
  ticket(id: number) {
    return this.api.call('get', '/api/v1/tickets/{ticket_id}', { params: { ticket_id: id } });
  }
  openTicket(body: Body<'/api/v1/tickets', 'post'>, attemptKey: string) {
    return this.api.call('post', '/api/v1/tickets', { body, idempotencyKey: attemptKey });
  }
  replyToTicket(id: number, body: string) {
    return this.api.call('post', '/api/v1/tickets/{ticket_id}/messages',
      { params: { ticket_id: id }, body: { body } });
  }

  coupons() { return this.api.call('get', '/api/v1/account/coupons', {}); }
  points() { return this.api.call('get', '/api/v1/account/points', {}); }

  shippingMethods() { return this.api.call('get', '/api/v1/shipping-methods', {}); }
  paymentMethods() { return this.api.call('get', '/api/v1/payment-methods', {}); }
  addresses() { return this.api.call('get', '/api/v1/account/addresses', {}); }
  me() { return this.api.call('get', '/api/v1/account', {}); }
}
