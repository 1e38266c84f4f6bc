import { i18n, shop, toastError } from '../../lib/page';
import { productCards, ProductCard } from '../../lib/catalog';

Page({
  data: { i18n: i18n(), q: '', category: '', products: [] as ProductCard[], searched: false,
          cursor: '' as string | null },
  onLoad(query: Record<string, string | undefined>) {
    const category = decodeURIComponent(query.category ?? '');
    this.setData({ category });
    if (category) this.run();
  },
  onInput(event: WechatMiniprogram.Input) { this.setData({ q: event.detail.value }); },
  onConfirm() { this.run(); },
  async run(more = false) {
    try {
      // One- and two-character Chinese terms (牛奶, 冰箱) are searched as on the website.
      const list = await shop().products({ q: this.data.q.trim() || undefined,
        category: this.data.category || undefined, limit: 20,
        cursor: more ? this.data.cursor || undefined : undefined });
      const cards = productCards(list.items);
      this.setData({ products: more ? [...this.data.products, ...cards] : cards,
                     cursor: list.next_cursor ?? null, searched: true });
    } catch (error) {
      toastError(error);
    }
  },
  onReachBottom() { if (this.data.cursor) this.run(true); },
  onProduct(event: WechatMiniprogram.TouchEvent) {
    wx.navigateTo({ url: `/pages/product/index?id=${event.currentTarget.dataset.id}` });
  },
});
