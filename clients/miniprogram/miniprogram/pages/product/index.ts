import { i18n, shop, toastError } from '../../lib/page';
import { formatMoney } from '../../lib/money';
import { t } from '../../lib/i18n';
import { PickableVariant } from '../../lib/variants';
import { bannerFor, currentFlashSales, FlashSale, FlashSaleBanner } from '../../lib/flash-sales';
import { ProductPromotion, PromotionRow, promotionRows } from '../../lib/promotions';
import { productReviews, ReviewsView } from '../../lib/reviews';

Page({
  data: {
    i18n: i18n(), id: 0, name: '', description: '', images: [] as string[], currency: 'CNY',
    variants: [] as PickableVariant[], attributes: [] as { name: string; value: string }[],
    variant: null as PickableVariant | null, price: '', stock: '', canBuy: false,
    sales: [] as FlashSale[], flash: null as FlashSaleBanner | null,
    promotions: [] as ProductPromotion[], offers: [] as PromotionRow[],
    reviews: null as ReviewsView | null,
  },
  timer: 0 as number,
  async onLoad(query: Record<string, string | undefined>) {
    const id = Number(query.id);
    try {
      const product = await shop().product(id);
      const images = (product.images as unknown[]).map((image) =>
        (typeof image === 'string' ? image : (image as { url?: string }).url ?? ''));
      const attributes = Object.entries((product.attributes ?? {}) as Record<string, unknown>)
        .map(([name, value]) => ({ name, value: String(value) }));
      this.setData({ id, name: product.name, description: product.description ?? '', images,
        currency: product.currency, variants: product.variants as PickableVariant[], attributes,
        promotions: product.promotions });
      this.showOffers();
      wx.setNavigationBarTitle({ title: product.name });
    } catch (error) {
      toastError(error);
      return;
    }
    // Reviews and flash sales come from plugins: a shop without them shows neither, and
    // neither stops the product from being bought.
    productReviews(shop(), id).then((reviews) => this.setData({ reviews }), () => undefined);
    currentFlashSales(shop()).then((sales) => {
      this.setData({ sales: sales.filter((sale) => sale.product_id === id) });
      this.tick();
    }, () => undefined);
  },
  onShow() { if (this.data.sales.length) this.tick(); },
  /** The gifts (and other plugins' promises) for the chosen variant, as the shop words them. */
  showOffers() {
    this.setData({ offers: promotionRows(this.data.promotions, this.data.variant?.id ?? null,
      this.data.currency, Date.now()) });
  },
  onHide() { this.stop(); },
  onUnload() { this.stop(); },
  /** The flash-sale banner now, and again every second while one is shown. */
  tick() {
    const flash = bannerFor(this.data.sales, this.data.id, this.data.variant?.id ?? null, Date.now());
    this.setData({ flash });
    if (flash && !this.timer) this.timer = setInterval(() => this.tick(), 1000) as unknown as number;
    if (!flash) this.stop();
  },
  stop() {
    if (this.timer) clearInterval(this.timer);
    this.timer = 0;
  },
  onPhoto(event: WechatMiniprogram.TouchEvent) {
    const { url, urls } = event.currentTarget.dataset as { url: string; urls: string[] };
    wx.previewImage({ current: url, urls });
  },
  onVariant(event: WechatMiniprogram.CustomEvent<{ variant: PickableVariant | null }>) {
    const variant = event.detail.variant;
    const available = variant ? Number(variant.available) : 0;
    this.setData({
      variant,
      price: variant ? formatMoney(variant.price, this.data.currency) : '',
      stock: !variant ? t('product.choose') : available > 0 ? t('product.stock', { n: available })
        : t('product.sold_out'),
      canBuy: Boolean(variant) && available > 0,
    });
    if (this.data.sales.length) this.tick();
    this.showOffers();
  },
  async add(): Promise<boolean> {
    if (!this.data.variant || !this.data.canBuy) {
      wx.showToast({ title: this.data.stock, icon: 'none' });
      return false;
    }
    try {
      await shop().addToCart(this.data.variant.id, 1);
      return true;
    } catch (error) {
      toastError(error);
      return false;
    }
  },
  async onAddToCart() {
    if (await this.add()) wx.showToast({ title: t('product.added'), icon: 'success' });
  },
  async onBuyNow() {
    if (await this.add()) wx.navigateTo({ url: '/pages/checkout/index' });
  },
});
