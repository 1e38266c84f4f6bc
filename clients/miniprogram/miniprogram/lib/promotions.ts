/**
 * What the shop's plugins promise on a product: the `promotions` of
 * `GET /api/v1/products/{id}` — the same promises the web product page shows, from the same
 * plugins, already in the shopper's language (the shop words them; the client only lays them
 * out). Gifts with purchase (买赠, 满赠: kind `gift`) come first, then any other plugin's
 * badge. Flash sales (kind `flash_sale`) are left to the banner of lib/flash-sales.ts, which
 * also shows the regular price struck through and the limit per shopper.
 */
import type { components } from '../api/schema';
import { formatMoney } from './money';

export type ProductPromotion = components['schemas']['ProductPromotion'];

export interface PromotionRow {
  key: string;
  gift: boolean;
  /** The badge (赠品), as the shop words it. */
  label: string;
  /** The sentence (购买即送 品茗杯 · 满 ¥200.00 送 品茗杯). */
  text: string;
  /** A promoted price in yuan, "" for none. */
  price: string;
}

/** The rows under the price for the chosen variant (`variantId`, null before one is chosen)
 * at `now` (ms): a promotion of another variant, or one that has ended, is not shown. */
export function promotionRows(promotions: ProductPromotion[], variantId: number | null,
                              currency: string, now: number): PromotionRow[] {
  return promotions
    .map((promotion, index) => ({ promotion, index }))
    .filter(({ promotion }) => promotion.kind !== 'flash_sale' && Boolean(promotion.label)
      && (promotion.variant_id === null || promotion.variant_id === variantId)
      && (promotion.ends_at === null || now < Date.parse(promotion.ends_at)))
    .sort((a, b) => Number(b.promotion.kind === 'gift') - Number(a.promotion.kind === 'gift')
      || a.index - b.index)
    .map(({ promotion, index }) => ({
      key: `${promotion.kind || 'other'}-${index}`,
      gift: promotion.kind === 'gift',
      label: promotion.label,
      text: promotion.text,
      price: promotion.price === null ? '' : formatMoney(promotion.price, currency),
    }));
}

