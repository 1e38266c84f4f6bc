import { i18n, shop, toastError } from '../../lib/page';
import { couponRows, CouponRow } from '../../lib/account';

Page({
  data: { i18n: i18n(), items: [] as CouponRow[] },
  async onShow() {
    try {
      this.setData({ items: couponRows((await shop().coupons()).items) });
    } catch (error) {
      toastError(error);
    }
  },
});
