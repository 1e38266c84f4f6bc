import { i18n, shop, toastError } from '../../lib/page';
import { chinaTime } from '../../lib/orders';

Page({
  data: { i18n: i18n(), balance: 0, level: '', items: [] as { at: string; points: string; note: string }[] },
  async onShow() {
    try {
      const answer = await shop().points();
      this.setData({ balance: answer.balance, level: answer.level ?? '',
        items: answer.items.map((i) => ({ at: chinaTime(i.created_at), note: i.note,
          points: i.points > 0 ? `+${i.points}` : String(i.points) })) });
    } catch (error) {
      toastError(error);
    }
  },
});
