/** The checkout page's logic: what to ask the shop for, and the summary rows to show. */
import { ApiProblem } from '../api/client';
import { ShopAddress } from './address';
import { formatMoney } from './money';
import { t } from './i18n';

export interface CheckoutChoices {
  address?: ShopAddress;
  shippingMethod?: string;
  couponCode?: string;
  points?: number;
  note?: string;
  invoiceTitle?: string;
}

export interface ShippingOption { code: string; name: string; fee: number;
  eta?: { min_days: number; max_days: number } | null }

export interface ShippingRow { code: string; name: string; fee: string; eta: string; selected: boolean }

/** {min_days: 1, max_days: 3} → "1–3 天" / "1–3 days"; {0, 0} → today. */
export function etaText(eta: { min_days: number; max_days: number }): string {
  if (eta.max_days <= 0) return t('checkout.today');
  const days = eta.min_days === eta.max_days ? `${eta.max_days}` : `${eta.min_days}–${eta.max_days}`;
  return t('checkout.days', { n: days });
}

export function shippingRows(options: ShippingOption[], chosen: string | undefined,
                             currency: string): ShippingRow[] {
  return options.map((option) => ({
    code: option.code,
    name: option.name,
    fee: option.fee === 0 ? t('checkout.free') : formatMoney(option.fee, currency),
    eta: option.eta ? t('checkout.eta', { eta: etaText(option.eta) }) : '',
    selected: option.code === chosen,
  }));
}

/** The shipping method to use: the chosen one if still offered, else the first offered. */
export function settleShipping(options: ShippingOption[], chosen?: string): string | undefined {
  return options.some((o) => o.code === chosen) ? chosen : options[0]?.code;
}

export function previewBody(cartId: string, choices: CheckoutChoices) {
  return {
    cart_id: cartId,
    ...(choices.address ? { address: choices.address } : {}),
    ...(choices.shippingMethod ? { shipping_method: choices.shippingMethod } : {}),
    ...(choices.couponCode ? { coupon_code: choices.couponCode } : {}),
    ...(choices.points ? { points: choices.points } : {}),
  };
}

/** The order body, or the message to show when something is missing. */
export function orderBody(cartId: string, choices: CheckoutChoices, paymentMethod: string):
  { body: Record<string, unknown> } | { missing: string } {
  if (!choices.address) return { missing: t('checkout.no_address') };
  const body: Record<string, unknown> = {
    ...previewBody(cartId, choices),
    contact: { name: choices.address.name, phone: choices.address.phone },
    shipping_method: choices.shippingMethod,
    payment_method: paymentMethod,
  };
  if (choices.invoiceTitle?.trim()) body.invoice = { type: 'personal', title: choices.invoiceTitle.trim() };
  body.note = choices.note?.trim() ?? '';
  return { body };
}

/** The first message a problem+json carries for `field` (e.g. "address.phone"). */
export function fieldMessage(errors: { field: string; message: string }[], field: string): string {
  return errors.find((e) => e.field === field || e.field.startsWith(`${field}.`))?.message ?? '';
}

/** The points to redeem: what was typed, whole, at most the shopper's balance; 0 for none. */
export function pointsToUse(typed: string, balance: number): number {
  const asked = Math.floor(Number(typed.replace(/[^0-9]/g, '')) || 0);
  return Math.max(0, Math.min(asked, balance));
}

/** The words for a preview the shop refused because of the points asked (more than the
 * order may take), or "" when the refusal is about something else. */
export function pointsRefusal(error: unknown): string {
  return error instanceof ApiProblem && error.errors.some((e) => e.field === 'points')
    ? t('checkout.points_refused') : '';
}
