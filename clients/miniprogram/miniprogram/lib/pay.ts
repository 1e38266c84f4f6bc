/**
 * Paying an order in the mini-program: sign in with `wx.login()` when needed, ask the shop
 * for WeChat Pay's JSAPI parameters, hand them to `wx.requestPayment`, then read the order
 * until the shop has the payment notification. `Payer` is `wx` in the mini-program and a
 * stand-in in tests, so this logic is tested without a phone.
 */
import { ApiProblem } from '../api/client';
import { newAttemptKey, Order, Shop } from './shop';

export interface JsapiParameters {
  appId?: string;
  timeStamp: string;
  nonceStr: string;
  package: string;
  signType: 'RSA' | 'MD5' | 'HMAC-SHA256';
  paySign: string;
}

export interface Payer {
  /** `wx.login()`'s code. */
  login(): Promise<string>;
  /** `wx.requestPayment`: true when paid, false when the shopper closed the sheet. */
  requestPayment(parameters: JsapiParameters): Promise<boolean>;
}

export type PayOutcome =
  | { kind: 'paid'; order: Order }
  | { kind: 'waiting'; order: Order }   // paid in WeChat, the shop not told yet
  | { kind: 'cancelled' };

const PAID = ['paid', 'under_review', 'approved', 'fulfilling', 'shipped', 'delivered',
  'completed'];

export function isPaid(order: { status: string }): boolean {
  return PAID.includes(order.status);
}

/** The JSAPI parameters out of the payment answer's action (type "jsapi"). */
export function jsapiParameters(action: Record<string, unknown>): JsapiParameters {
  if (action.type !== 'jsapi') {
    throw new Error(`the shop answered a ${String(action.type)} payment, not a mini-program one`);
  }
  const { timeStamp, nonceStr, signType, paySign, appId } = action as Record<string, string>;
  return { appId, timeStamp, nonceStr, package: (action as Record<string, string>).package,
           signType: signType as JsapiParameters['signType'], paySign };
}

/** The problem the shop answers (422) when it knows no openid to name as the payer: the
 * shopper signed in before the shop recorded openids. A new `wx.login()` sign-in records it. */
export const PAYER_UNKNOWN = 'wechat_payer_unknown';

export function isPayerUnknown(error: unknown): boolean {
  return error instanceof ApiProblem && error.status === 422 && error.code === PAYER_UNKNOWN;
}

/** The JSAPI payment of order `number`, signed in first: the shop pays as the openid it
 * learnt from this shopper's `wx.login()` sign-in, so the client never names a payer. When
 * the shop has no openid for a shopper signed in long ago, sign in again once and retry
 * (the same attempt: the same Idempotency-Key). */
export async function startJsapiPayment(shop: Shop, number: string, accessToken: string | undefined,
                                        payer: Payer) {
  if (!shop.signedIn) await shop.signInWithWeChat(await payer.login());
  const attempt = newAttemptKey();
  const body = { method: 'wechat', scene: 'jsapi' };
  try {
    return await shop.startPayment(number, accessToken, body, attempt);
  } catch (error) {
    if (!isPayerUnknown(error)) throw error;
    await shop.signInWithWeChat(await payer.login());
    return shop.startPayment(number, accessToken, body, attempt);
  }
}

export async function payOrder(shop: Shop, number: string, accessToken: string | undefined,
                               payer: Payer, options: { polls?: number; pollMs?: number } = {}):
  Promise<PayOutcome> {
  const started = await startJsapiPayment(shop, number, accessToken, payer);
  const paid = await payer.requestPayment(jsapiParameters(started.action as Record<string, unknown>));
  if (!paid) return { kind: 'cancelled' };
  let order = await shop.order(number, accessToken);
  for (let poll = 0; poll < (options.polls ?? 10) && !isPaid(order); poll += 1) {
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 1000));
    order = await shop.order(number, accessToken);
  }
  return isPaid(order) ? { kind: 'paid', order } : { kind: 'waiting', order };
}

/** `wx` as a Payer. */
export const wxPayer: Payer = {
  login: () => new Promise((resolve, reject) => {
    wx.login({ success: (res) => resolve(res.code), fail: (err) => reject(new Error(err.errMsg)) });
  }),
  requestPayment: (p) => new Promise((resolve, reject) => {
    wx.requestPayment({
      timeStamp: p.timeStamp, nonceStr: p.nonceStr, package: p.package,
      signType: p.signType, paySign: p.paySign,
      success: () => resolve(true),
      fail: (err) => (/cancel/.test(err.errMsg) ? resolve(false) : reject(new Error(err.errMsg))),
    });
  }),
};
