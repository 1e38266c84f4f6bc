import { formatMoney } from '../../lib/money';

/** An amount in minor units shown in yuan: <g-price amount="{{2630}}" /> → ¥26.30. */
Component({
  properties: {
    amount: { type: Number, value: 0 },
    currency: { type: String, value: 'CNY' },
    strike: { type: Boolean, value: false },
  },
  data: { text: '' },
  observers: {
    'amount, currency': function (this: WechatMiniprogram.Component.TrivialInstance,
                                  amount: number, currency: string) {
      this.setData({ text: formatMoney(amount, currency) });
    },
  },
  lifetimes: {
    attached(this: WechatMiniprogram.Component.TrivialInstance) {
      const data = this.data as { amount: number; currency: string };
      this.setData({ text: formatMoney(data.amount, data.currency) });
    },
  },
});
