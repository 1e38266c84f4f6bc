import { i18n, localizeTabBar } from '../../lib/page';
import { categoryTree, CategoryNode } from '../../lib/categories';
import { SHOP } from '../../shop';

Page({
  onShow() { localizeTabBar(); },
  data: { i18n: i18n(), tree: [] as CategoryNode[], current: 0 },
  onLoad() {
    // The storefront API lists no categories: the build writes the shop's tree into shop.ts.
    this.setData({ tree: categoryTree(SHOP.categories) });
  },
  onPick(event: WechatMiniprogram.TouchEvent) {
    this.setData({ current: Number(event.currentTarget.dataset.index) });
  },
  onOpen(event: WechatMiniprogram.TouchEvent) {
    const slug = String(event.currentTarget.dataset.slug);
    wx.navigateTo({ url: `/pages/search/index?category=${encodeURIComponent(slug)}` });
  },
});
