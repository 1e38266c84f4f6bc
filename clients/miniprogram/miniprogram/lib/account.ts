/** 我的: coupons in words (满 ¥100 减 ¥20, 8.5 折, 免运费), never the kind codes. */
import { formatMoney } from './money';
import { t } from './i18n';

export interface WalletCoupon {
  id: number;
  state: string;
  coupon: { name: string; kind: string; value: number; min_amount: number; currency: string;
            max_discount: number | null };
}

export interface CouponRow { id: number; title: string; terms: string; state: string }

export function couponTerms(c: WalletCoupon['coupon']): string {
  const money = (minor: number) => formatMoney(minor, c.currency);
  const threshold = c.min_amount > 0 ? t('coupons.min', { amount: money(c.min_amount) }) : '';
  let benefit: string;
  if (c.kind === 'amount_off') benefit = t('coupons.amount_off', { amount: money(c.value) });
  else if (c.kind === 'percent_off') benefit = t('coupons.percent_off', { rate: ((100 - c.value) / 10).toString(), percent: c.value });
  else if (c.kind === 'free_shipping') benefit = t('coupons.free_shipping');
  else benefit = t('coupons.fixed_price', { amount: money(c.value) });
  return threshold + benefit;
}

export function couponRows(items: WalletCoupon[]): CouponRow[] {
  const states: Record<string, string> = { available: t('coupons.available'), used: t('coupons.used'),
                                           expired: t('coupons.expired') };
  return items.map((item) => ({ id: item.id, title: item.coupon.name, terms: couponTerms(item.coupon),
                                state: states[item.state] ?? '' }));
}
