import { i18n, localizeTabBar, shop, toastError } from '../../lib/page';
import { cartView, CartView } from '../../lib/cart';

Page({
  data: { i18n: i18n(), cart: null as CartView | null },
  onShow() { localizeTabBar(); this.load(); },
  async load() {
    try {
      const cart = await shop().cart();
      this.setData({ cart: cart ? cartView(cart) : null });
    } catch (error) {
      toastError(error);
    }
  },
  async onQuantity(event: WechatMiniprogram.TouchEvent) {
    const { variant, quantity } = event.currentTarget.dataset as
      { variant: number; quantity: number };
    try {
      this.setData({ cart: cartView(await shop().setQuantity(variant, quantity)) });
    } catch (error) {
      toastError(error);
    }
  },
  onCheckout() { wx.navigateTo({ url: '/pages/checkout/index' }); },
});
