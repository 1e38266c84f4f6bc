import { i18n, messageOf, shop } from '../../lib/page';
import { newAttemptKey } from '../../lib/shop';
import { t } from '../../lib/i18n';
import { returnBody, ReturnChoice } from '../../lib/returns';

let accessToken: string | undefined;
let attempt = '';

Page({
  data: { i18n: i18n(), number: '', lines: [] as ReturnChoice[], reason: '', error: '', sending: false },
  async onLoad(query: Record<string, string | undefined>) {
    accessToken = query.token || shop().orderToken(query.number ?? '') || undefined;
    attempt = newAttemptKey();
    this.setData({ number: query.number ?? '' });
    try {
      const order = await shop().order(this.data.number, accessToken);
      this.setData({ lines: order.lines.filter((l) => l.variant_id !== null).map((l) => ({
        variantId: l.variant_id as number, name: l.name, bought: l.quantity, quantity: 0 })) });
    } catch (error) {
      this.setData({ error: messageOf(error) });
    }
  },
  onQuantity(event: WechatMiniprogram.TouchEvent) {
    const { index, step } = event.currentTarget.dataset as { index: number; step: number };
    const lines = this.data.lines.slice();
    const line = lines[index];
    line.quantity = Math.min(line.bought, Math.max(0, line.quantity + Number(step)));
    this.setData({ lines });
  },
  onReason(event: WechatMiniprogram.Input) { this.setData({ reason: event.detail.value }); },
  async onSubmit() {
    const built = returnBody(this.data.lines, this.data.reason);
    if ('missing' in built) { this.setData({ error: built.missing }); return; }
    this.setData({ sending: true, error: '' });
    try {
      await shop().requestReturn(this.data.number, accessToken, built.body, attempt);
      wx.showToast({ title: t('returns.sent'), icon: 'success' });
      wx.navigateBack();
    } catch (error) {
      this.setData({ error: messageOf(error) });
    } finally {
      this.setData({ sending: false });
    }
  },
});
