import { i18n, localizeTabBar, shop, toastError } from '../../lib/page';
import { wxPayer } from '../../lib/pay';

Page({
  data: { i18n: i18n(), signedIn: false, name: '', level: '', points: 0 },
  onShow() { localizeTabBar(); this.load(); },
  async load() {
    const signedIn = shop().signedIn;
    this.setData({ signedIn });
    if (!signedIn) return;
    try {
      const me = await shop().me();
      this.setData({ name: me.name });
      const points = await shop().points().catch(() => null);  // off when the plugin is off
      if (points) this.setData({ points: points.balance, level: points.level ?? '' });
    } catch (error) {
      toastError(error);
    }
  },
  async onSignIn() {
    try {
      await shop().signInWithWeChat(await wxPayer.login());
      this.load();
    } catch (error) {
      toastError(error);
    }
  },
  onOpen(event: WechatMiniprogram.TouchEvent) {
    wx.navigateTo({ url: `/pages/${event.currentTarget.dataset.page}/index` });
  },
});
