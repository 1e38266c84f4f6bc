import { i18n, shop, toastError } from '../../lib/page';
import { chinaTime, trackingRows, TrackingRow } from '../../lib/orders';
import { formatMoney } from '../../lib/money';
import { statusText, t } from '../../lib/i18n';
import { payOrder, wxPayer } from '../../lib/pay';

let accessToken: string | undefined;

Page({
  data: {
    i18n: i18n(), number: '', status: '', statusText: '', total: '', createdAt: '',
    lines: [] as { name: string; quantity: number; total: string; variantId: number | null }[],
    tracking: [] as TrackingRow[], timeline: [] as { at: string; text: string }[], signedIn: false,
  },
  onLoad(query: Record<string, string | undefined>) {
    accessToken = query.token || shop().orderToken(query.number ?? '') || undefined;
    this.setData({ number: query.number ?? '', signedIn: shop().signedIn });
  },
  onShow() { this.load(); },
  async load() {
    try {
      const order = await shop().order(this.data.number, accessToken);
      this.setData({
        status: order.status, statusText: statusText(order.status),
        total: formatMoney(order.total, order.currency), createdAt: chinaTime(order.created_at),
        lines: order.lines.map((l) => ({ name: l.name, quantity: l.quantity, variantId: l.variant_id,
          total: formatMoney(l.line_total, order.currency) })),
        tracking: trackingRows(order.tracking),
        timeline: order.timeline.map((entry) => ({ at: chinaTime(entry.at),
          text: statusText(entry.to_status) })),
      });
    } catch (error) {
      toastError(error);
    }
  },
  async onPay() {
    try {
      const outcome = await payOrder(shop(), this.data.number, accessToken, wxPayer);
      wx.showToast({ title: outcome.kind === 'cancelled' ? t('pay.cancelled') : t('pay.paid'), icon: 'none' });
      this.load();
    } catch (error) {
      toastError(error);
    }
  },
  onTicket() {  // 客服 about this order (the tickets API takes the signed-in customer's orders)
    wx.navigateTo({ url: `/pages/tickets/index?number=${this.data.number}` });
  },
  onReturn() {
    wx.navigateTo({ url: `/pages/returns/index?number=${this.data.number}&token=${accessToken ?? ''}` });
  },
});
