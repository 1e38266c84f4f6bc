import { SHOP } from '../../shop';
import { i18n, localizeTabBar, shop, toastError } from '../../lib/page';
import { productCards } from '../../lib/catalog';
import { categoryTree, liveCategories } from '../../lib/categories';
import { bannerViews, BannerView } from '../../lib/banners';

Page({
  onShow() { localizeTabBar(); },
  data: { i18n: i18n(), shopName: SHOP.name, logo: SHOP.logo, categories: categoryTree(SHOP.categories),
          products: [] as ReturnType<typeof productCards>, banners: [] as BannerView[] },
  async onLoad() {
    wx.setNavigationBarTitle({ title: SHOP.name });
    liveCategories(() => shop().categories(), SHOP.categories)
      .then((categories) => this.setData({ categories }));
    shop().info().then((info) => this.setData({ banners: bannerViews(info.banners, SHOP.apiBase) }))
      .catch(() => undefined);  // no banners is still a home page
    try {
      const list = await shop().products({ limit: 20 });
      const products = productCards(list.items);
      this.setData({ products });
    } catch (error) {
      toastError(error);
    }
  },
  onBanner(event: WechatMiniprogram.TouchEvent) {
    wx.navigateTo({ url: String(event.currentTarget.dataset.url) });
  },
  onSearch() { wx.navigateTo({ url: '/pages/search/index' }); },
  onCategory(event: WechatMiniprogram.TouchEvent) {
    wx.navigateTo({ url: `/pages/search/index?category=${encodeURIComponent(event.currentTarget.dataset.slug)}` });
  },
  onProduct(event: WechatMiniprogram.TouchEvent) {
    wx.navigateTo({ url: `/pages/product/index?id=${event.currentTarget.dataset.id}` });
  },
});
