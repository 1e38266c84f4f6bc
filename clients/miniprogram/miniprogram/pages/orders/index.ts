import { i18n, shop, toastError } from '../../lib/page';
import { orderRows, OrderRow } from '../../lib/orders';

Page({
  data: { i18n: i18n(), orders: [] as OrderRow[] },
  async onShow() {
    if (!shop().signedIn) { wx.switchTab({ url: '/pages/me/index' }); return; }
    try {
      const list = await shop().myOrders();
      this.setData({ orders: orderRows(list.items) });
    } catch (error) {
      toastError(error);
    }
  },
  onOrder(event: WechatMiniprogram.TouchEvent) {
    wx.navigateTo({ url: `/pages/order/index?number=${event.currentTarget.dataset.number}` });
  },
});
