/** The home page's banners (`GET /api/v1/shop`): pictures the swiper shows, each opening a
 * product or a category's products. */
export interface ApiBanner {
  image_url: string;
  link: { type: string; product_id: number | null; category: string | null };
}
export interface BannerView { image: string; url: string }

/** A picture's address as `<image>` takes it: the shop's media paths made absolute. */
export function absoluteUrl(url: string, apiBase: string): string {
  if (/^https?:\/\//.test(url)) return url;
  return apiBase.replace(/\/$/, '') + (url.startsWith('/') ? url : `/${url}`);
}

export function bannerViews(banners: ApiBanner[], apiBase: string): BannerView[] {
  return banners.flatMap((banner) => {
    const { type, product_id: productId, category } = banner.link;
    const url = type === 'product' && productId != null ? `/pages/product/index?id=${productId}`
      : type === 'category' && category ? `/pages/search/index?category=${encodeURIComponent(category)}`
        : '';
    return url && banner.image_url ? [{ image: absoluteUrl(banner.image_url, apiBase), url }] : [];
  });
}
