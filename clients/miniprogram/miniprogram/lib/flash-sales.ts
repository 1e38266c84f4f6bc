/**
 * Flash sales on the product page (the campaigns plugin's `GET /api/v1/flash-sales`): the
 * sale price against the regular one, what remains, and a countdown to the end (or to the
 * start of an upcoming sale). A shop without the plugin answers 404: no flash sales.
 *
 * The product's `promotions` (GET /api/v1/products/{id}) carry its flash sales too, but
 * only as the shop's sentence: the banner reads the regular price, the per-shopper limit
 * and the state from here, and lib/promotions.ts leaves kind `flash_sale` to it.
 */
import { ApiProblem } from '../api/client';
import type { components } from '../api/schema';
import { t } from './i18n';
import { formatMoney } from './money';
import type { Shop } from './shop';

export type FlashSale = components['schemas']['FlashSaleView'];

export interface FlashSaleBanner {
  id: number; variantId: number; state: 'running' | 'upcoming' | 'sold_out';
  price: string; regular: string; countdown: string; remaining: string; limit: string;
}

/** 93784000 ms → "1 天 02:03:04"; under a day "02:03:04"; never negative. */
export function countdownText(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const days = Math.floor(total / 86400);
  const pad = (n: number) => String(n).padStart(2, '0');
  const clock = `${pad(Math.floor((total % 86400) / 3600))}:${pad(Math.floor((total % 3600) / 60))}:${pad(total % 60)}`;
  return (days ? t('flash.days', { n: days }) : '') + clock;
}

/** The sale as shown at `now` (ms), or null when it is over or switched off. The state is
 * worked out from the times, so a ticking countdown turns an upcoming sale into a running one. */
export function flashSaleBanner(sale: FlashSale, now: number): FlashSaleBanner | null {
  const starts = Date.parse(sale.starts_at);
  const ends = Date.parse(sale.ends_at);
  if (!sale.active || sale.status === 'off' || sale.status === 'ended' || !(now < ends)) return null;
  const state = now < starts ? 'upcoming' : sale.remaining <= 0 ? 'sold_out' : 'running';
  return {
    id: sale.id,
    variantId: sale.variant_id,
    state,
    price: formatMoney(sale.price, sale.currency),
    regular: sale.regular_price > sale.price
      ? t('flash.regular', { price: formatMoney(sale.regular_price, sale.currency) }) : '',
    countdown: state === 'upcoming' ? t('flash.starts_in', { time: countdownText(starts - now) })
      : t('flash.ends_in', { time: countdownText(ends - now) }),
    remaining: state === 'sold_out' ? t('flash.sold_out')
      : state === 'running' ? t('flash.remaining', { n: sale.remaining }) : '',
    limit: sale.per_customer_limit > 0 ? t('flash.limit', { n: sale.per_customer_limit }) : '',
  };
}

const ORDER = { running: 0, upcoming: 1, sold_out: 2 } as const;

/** The one banner for the product page: the chosen variant's sale when it has one, else the
 * product's — running before upcoming before sold out, the soonest ending first. */
export function bannerFor(sales: FlashSale[], productId: number, variantId: number | null,
                          now: number): FlashSaleBanner | null {
  const shown = sales
    .filter((sale) => sale.product_id === productId)
    .map((sale) => ({ sale, banner: flashSaleBanner(sale, now) }))
    .filter((entry): entry is { sale: FlashSale; banner: FlashSaleBanner } => entry.banner !== null)
    .sort((a, b) => ORDER[a.banner.state] - ORDER[b.banner.state]
      || Date.parse(a.sale.ends_at) - Date.parse(b.sale.ends_at));
  const own = variantId === null ? undefined : shown.find((entry) => entry.sale.variant_id === variantId);
  return (own ?? shown[0])?.banner ?? null;
}

/** The shop's current flash sales ([] when it has no campaigns plugin). */
export async function currentFlashSales(shop: Shop): Promise<FlashSale[]> {
  try {
    return (await shop.flashSales()).items;
  } catch (error) {
    if (error instanceof ApiProblem && error.status === 404) return [];
    throw error;
  }
}
