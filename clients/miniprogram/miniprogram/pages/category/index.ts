import { i18n, localizeTabBar, shop } from '../../lib/page';
import { categoryTree, CategoryNode, liveCategories } from '../../lib/categories';
import { SHOP } from '../../shop';

Page({
  onShow() { localizeTabBar(); },
  data: { i18n: i18n(), tree: [] as CategoryNode[], current: 0 },
  async onLoad() {
    // The tree the build copied first, then the shop's categories as they are now.
    this.setData({ tree: categoryTree(SHOP.categories) });
    this.setData({ tree: await liveCategories(() => shop().categories(), SHOP.categories) });
  },
  onPick(event: WechatMiniprogram.TouchEvent) {
    this.setData({ current: Number(event.currentTarget.dataset.index) });
  },
  onOpen(event: WechatMiniprogram.TouchEvent) {
    const slug = String(event.currentTarget.dataset.slug);
    wx.navigateTo({ url: `/pages/search/index?category=${encodeURIComponent(slug)}` });
  },
});
