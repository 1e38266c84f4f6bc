import { i18n, shop, toastError } from '../../lib/page';

Page({
  data: { i18n: i18n(), items: [] as { id: number; name: string; phone: string; text: string; isDefault: boolean }[] },
  async onShow() {
    try {
      const list = await shop().addresses();
      this.setData({ items: list.items.map((a) => ({ id: a.id, name: a.name, phone: a.phone,
        text: `${a.province}${a.city}${a.district} ${a.line1}`, isDefault: a.is_default })) });
    } catch (error) {
      toastError(error);
    }
  },
});
