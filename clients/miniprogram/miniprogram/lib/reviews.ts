/**
 * A product's reviews as the product page shows them (the reviews plugin's
 * `GET /api/v1/products/{id}/reviews`): the average, the count per star, the latest reviews
 * with their photos and the shop's reply. A shop without the plugin answers 404: no reviews
 * block at all.
 */
import { ApiProblem } from '../api/client';
import type { components } from '../api/schema';
import { t } from './i18n';
import { chinaTime } from './orders';
import type { Shop } from './shop';

export type ProductReviews = components['schemas']['ProductReviews'];

export interface StarRow { stars: number; label: string; count: number; percent: number }
export interface ReviewPhoto { thumb: string; url: string }
export interface ReviewRow {
  id: number; rating: number; stars: string; who: string; date: string; options: string;
  text: string; photos: ReviewPhoto[]; photoUrls: string[]; reply: string;
}
export interface ReviewsView {
  count: number; countText: string; average: string; averageStars: string; goodShare: string;
  stars: StarRow[]; items: ReviewRow[];
}

/** 4 → "★★★★☆" (a 4.6 average shows five stars, 4.4 four). */
export function starsText(rating: number): string {
  const full = Math.max(0, Math.min(5, Math.round(rating)));
  return '★'.repeat(full) + '☆'.repeat(5 - full);
}

export function reviewsView(answer: ProductReviews): ReviewsView {
  const { summary } = answer;
  const count = summary.count;
  const stars = [5, 4, 3, 2, 1].map((n) => {
    const c = Number(summary.counts[String(n)] ?? 0);
    return { stars: n, label: t('reviews.stars', { n }), count: c,
             percent: count ? Math.round((c * 100) / count) : 0 };
  });
  const items = answer.items.map((review) => ({
    id: review.id,
    rating: review.rating,
    stars: starsText(review.rating),
    who: review.reviewer || t('reviews.anonymous'),
    date: chinaTime(review.created_at).slice(0, 10),
    options: review.options,
    text: review.text,
    photos: review.photos.map((photo) => ({ thumb: photo.thumb_url || photo.url, url: photo.url })),
    photoUrls: review.photos.map((photo) => photo.url),
    reply: review.reply ? t('reviews.reply', { text: review.reply }) : '',
  }));
  return {
    count,
    countText: count ? t('reviews.count', { n: count }) : t('reviews.none'),
    average: summary.average === null ? '' : t('reviews.average', { average: summary.average.toFixed(1) }),
    averageStars: summary.average === null ? '' : starsText(summary.average),
    goodShare: summary.good_share === null ? '' : t('reviews.good_share', { share: summary.good_share }),
    stars,
    items,
  };
}

/** The reviews block of product `productId`, or null when the shop has no reviews plugin. */
export async function productReviews(shop: Shop, productId: number, latest = 5):
  Promise<ReviewsView | null> {
  try {
    return reviewsView(await shop.productReviews(productId, latest));
  } catch (error) {
    if (error instanceof ApiProblem && error.status === 404) return null;
    throw error;
  }
}
