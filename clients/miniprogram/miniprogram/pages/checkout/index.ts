import { i18n, messageOf, shop, toastError } from '../../lib/page';
import { fromWxAddress, ShopAddress } from '../../lib/address';
import { CheckoutChoices, orderBody, pointsRefusal, pointsToUse, previewBody, settleShipping,
  shippingRows, ShippingRow, ShippingOption } from '../../lib/checkout';
import { formatMoney } from '../../lib/money';
import { payOrder, wxPayer } from '../../lib/pay';
import { newAttemptKey } from '../../lib/shop';
import { t } from '../../lib/i18n';

let choices: CheckoutChoices = {};
let attempt = '';

Page({
  data: {
    i18n: i18n(), address: null as ShopAddress | null, shipping: [] as ShippingRow[],
    adjustments: [] as { label: string; amount: string }[], subtotal: '', shippingFee: '',
    discount: '', total: '', note: '', invoiceTitle: '', couponCode: '', error: '', placing: false,
    pointsBalance: 0, pointsHint: '', points: '', pointsError: '',
  },
  onLoad() {
    choices = {};
    attempt = newAttemptKey();
    this.refresh();
    this.loadPoints();
  },
  /** The points control shows only for a signed-in shopper of a shop with points on (the
   * account's points answer 404s when the plugin is off). */
  async loadPoints(): Promise<void> {
    if (!shop().signedIn) return;
    try {
      const { balance } = await shop().points();
      if (balance > 0) this.setData({ pointsBalance: balance, pointsHint: t('checkout.points_hint', { n: balance }) });
    } catch {
      // no points in this shop: no control
    }
  },
  onPoints(event: WechatMiniprogram.Input) { this.setData({ points: event.detail.value }); },
  onPointsDone() {
    choices.points = pointsToUse(this.data.points, this.data.pointsBalance);
    this.setData({ points: choices.points ? String(choices.points) : '' });
    this.refresh();
  },
  async refresh(): Promise<void> {
    const cartId = shop().cartId;
    if (!cartId) return;
    try {
      const preview = await shop().preview(previewBody(cartId, choices) as never);
      const options = preview.shipping_options as ShippingOption[];
      const chosen = settleShipping(options, choices.shippingMethod);
      if (chosen !== choices.shippingMethod) {
        choices.shippingMethod = chosen;
        if (chosen) { await this.refresh(); return; }
      }
      const currency = preview.currency;
      this.setData({
        shipping: shippingRows(options, chosen, currency),
        adjustments: (preview.adjustments as { label?: string; amount: number }[]).map((a) => ({
          label: a.label ?? t('checkout.discount'), amount: formatMoney(a.amount, currency) })),
        subtotal: formatMoney(preview.subtotal, currency),
        shippingFee: formatMoney(preview.shipping_fee, currency),
        discount: preview.discount_total ? formatMoney(-Math.abs(preview.discount_total), currency) : '',
        total: formatMoney(preview.total, currency), error: '', pointsError: '',
      });
    } catch (error) {
      const refused = pointsRefusal(error);
      if (refused) {  // show it under the points field, and price the order without them
        choices.points = 0;
        this.setData({ pointsError: refused });
        await this.refresh();
        this.setData({ pointsError: refused });
        return;
      }
      this.setData({ error: messageOf(error) });
    }
  },
  onChooseAddress() {
    wx.chooseAddress({
      success: async (chosen) => {
        const { address } = await fromWxAddress(chosen, (parent) => shop().regions(parent));
        choices.address = address;
        this.setData({ address });
        this.refresh();
      },
    });
  },
  onShipping(event: WechatMiniprogram.TouchEvent) {
    choices.shippingMethod = String(event.currentTarget.dataset.code);
    this.refresh();
  },
  onCoupon(event: WechatMiniprogram.Input) { choices.couponCode = event.detail.value.trim(); },
  onCouponDone() { this.refresh(); },
  onNote(event: WechatMiniprogram.Input) { choices.note = event.detail.value; },
  onInvoice(event: WechatMiniprogram.Input) { choices.invoiceTitle = event.detail.value; },
  async onPlace() {
    if (!shop().cartId || this.data.placing) return;
    this.setData({ placing: true, error: '' });
    try {
      // Signed in before placing: the order is the shopper's (我的订单, no access token) and
      // WeChat Pay's payer is the openid the shop learns from this sign-in.
      if (!shop().signedIn) await shop().signInWithWeChat(await wxPayer.login());
      const built = orderBody(shop().cartId!, choices, 'wechat');
      if ('missing' in built) {
        this.setData({ error: built.missing });
        return;
      }
      const placed = await shop().placeOrder(built.body as never, attempt);
      const token = shop().orderToken(placed.number);
      const outcome = await payOrder(shop(), placed.number, token, wxPayer);
      wx.showToast({ title: outcome.kind === 'cancelled' ? t('pay.cancelled') : t('pay.paid'),
                     icon: outcome.kind === 'cancelled' ? 'none' : 'success' });
      wx.redirectTo({ url: `/pages/order/index?number=${placed.number}` });
    } catch (error) {
      toastError(error);
      this.setData({ error: messageOf(error) });
    } finally {
      this.setData({ placing: false });
    }
  },
});
