/** The product page's reviews, flash sales and gifts: what a shopper reads, and nothing when
 * the shop has none of those plugins. */
import fs from 'node:fs';
import path from 'node:path';
import simulate from 'miniprogram-simulate';
import { HttpRequest, HttpResponse, Transport } from '../../miniprogram/api/transport';
import { bannerFor, countdownText, currentFlashSales, FlashSale, flashSaleBanner } from '../../miniprogram/lib/flash-sales';
import { setLanguage, words } from '../../miniprogram/lib/i18n';
import { ProductPromotion, promotionRows } from '../../miniprogram/lib/promotions';
import { productReviews, ProductReviews, reviewsView, starsText } from '../../miniprogram/lib/reviews';
import { Shop } from '../../miniprogram/lib/shop';
import { memoryStore } from '../../miniprogram/lib/storage';

afterEach(() => setLanguage('zh_CN'));

function shopAnswering(routes: Record<string, unknown>): { shop: Shop; seen: string[] } {
  const seen: string[] = [];
  const transport: Transport = {
    async request(request: HttpRequest): Promise<HttpResponse> {
      seen.push(`${request.method} ${request.url}`);
      const path = new URL(request.url).pathname;
      if (!(path in routes)) return { status: 404, headers: {}, data: { title: 'Not Found', status: 404 } };
      return { status: 200, headers: {}, data: routes[path] };
    },
  };
  return { shop: new Shop({ baseUrl: 'https://demo.example.com', transport }, memoryStore()), seen };
}

const REVIEWS: ProductReviews = {
  product_id: 7,
  next_cursor: null,
  summary: { count: 4, average: 4.5, counts: { 5: 3, 4: 0, 3: 1, 2: 0, 1: 0 }, good_share: 75 },
  items: [
    { id: 2, anonymous: false, created_at: '2026-12-04T17:30:00Z', options: '颜色：白', product_id: 7,
      product_name: '电水壶', rating: 5, replied_at: '2026-12-05T01:00:00Z', reply: '谢谢支持', reviewer: '李**',
      text: '烧水很快', variant_id: 70,
      photos: [{ key: 'a', url: 'https://cdn.example.com/a.jpg', thumb_url: 'https://cdn.example.com/a_t.jpg' }] },
    { id: 1, anonymous: true, created_at: '2026-12-01T02:00:00Z', options: '', product_id: 7,
      product_name: '电水壶', rating: 3, replied_at: null, reply: null, reviewer: null, text: '一般',
      variant_id: 70, photos: [] },
  ],
};

test('the reviews block: average, the count per star, the latest reviews with photos and reply', async () => {
  const { shop, seen } = shopAnswering({ '/api/v1/products/7/reviews': REVIEWS });
  const view = await productReviews(shop, 7);
  expect(seen).toEqual(['GET https://demo.example.com/api/v1/products/7/reviews?limit=5']);
  expect(view).not.toBeNull();
  expect(view!.countText).toBe('4 条评价');
  expect(view!.average).toBe('4.5 分');
  expect(view!.averageStars).toBe('★★★★★');
  expect(view!.goodShare).toBe('好评率 75%');
  expect(view!.stars.map((row) => [row.label, row.count, row.percent]))
    .toEqual([['5 星', 3, 75], ['4 星', 0, 0], ['3 星', 1, 25], ['2 星', 0, 0], ['1 星', 0, 0]]);
  const [newest, older] = view!.items;
  expect(newest).toMatchObject({ who: '李**', stars: '★★★★★', date: '2026-12-05', options: '颜色：白',
    text: '烧水很快', reply: '商家回复：谢谢支持', photoUrls: ['https://cdn.example.com/a.jpg'] });
  expect(newest.photos).toEqual([{ thumb: 'https://cdn.example.com/a_t.jpg', url: 'https://cdn.example.com/a.jpg' }]);
  expect(older).toMatchObject({ who: '匿名买家', stars: '★★★☆☆', reply: '', photos: [] });

  setLanguage('en');
  expect(reviewsView(REVIEWS).items[1].who).toBe('Anonymous buyer');
});

test('a product without reviews says so; a shop without the reviews plugin shows no block', async () => {
  const empty = reviewsView({ ...REVIEWS, items: [],
    summary: { count: 0, average: null, counts: {}, good_share: null } });
  expect(empty).toMatchObject({ count: 0, countText: '还没有评价', average: '', goodShare: '', items: [] });
  expect(empty.stars.every((row) => row.percent === 0)).toBe(true);
  expect(starsText(4.4)).toBe('★★★★☆');
  const { shop } = shopAnswering({});
  await expect(productReviews(shop, 7)).resolves.toBeNull();
});

const ROOT = path.resolve(__dirname, '../../miniprogram');
const productTemplate = () => fs.readFileSync(path.join(ROOT, 'pages/product/index.wxml'), 'utf8');
let picker = '';
/** The variant picker, registered once for the product-page renders. */
function variantPicker(): string {
  if (!picker) {
    picker = simulate.load(path.join(ROOT, 'components/variant-picker/index'), { rootPath: ROOT, compiler: 'simulate' });
  }
  return picker;
}

const NOW = Date.parse('2026-12-05T10:00:00Z');
function sale(overrides: Partial<FlashSale>): FlashSale {
  return { id: 1, active: true, currency: 'CNY', name: '电水壶', per_customer_limit: 2, price: 9900,
           product_id: 7, quota: 50, regular_price: 15900, remaining: 12, sku: 'K-1', sold: 38,
           starts_at: '2026-12-05T08:00:00Z', ends_at: '2026-12-05T11:02:03Z', status: 'running',
           variant_id: 70, ...overrides };
}

test('a running flash sale: its price against the regular one, what remains, the countdown to the end', () => {
  expect(flashSaleBanner(sale({}), NOW)).toEqual({
    id: 1, variantId: 70, state: 'running', price: '¥99.00', regular: '原价 ¥159.00',
    countdown: '距结束 01:02:03', remaining: '仅剩 12 件', limit: '每人限购 2 件' });
  // One second later the countdown has moved; at the end the banner goes.
  expect(flashSaleBanner(sale({}), NOW + 1000)!.countdown).toBe('距结束 01:02:02');
  expect(flashSaleBanner(sale({}), Date.parse('2026-12-05T11:02:03Z'))).toBeNull();
  expect(flashSaleBanner(sale({ active: false, status: 'off' }), NOW)).toBeNull();
  expect(flashSaleBanner(sale({ remaining: 0, sold: 50, status: 'sold_out' }), NOW))
    .toMatchObject({ state: 'sold_out', remaining: '已抢光' });
  setLanguage('en');
  expect(flashSaleBanner(sale({ per_customer_limit: 0 }), NOW)).toMatchObject({
    regular: 'Was ¥159.00', countdown: 'Ends in 01:02:03', remaining: 'Only 12 left', limit: '' });
});

test('an upcoming flash sale counts down to its start, and runs once the start has passed', () => {
  const upcoming = sale({ starts_at: '2026-12-06T12:30:00Z', ends_at: '2026-12-07T00:00:00Z', status: 'upcoming' });
  expect(flashSaleBanner(upcoming, NOW)).toMatchObject({ state: 'upcoming', countdown: '距开始 1 天 02:30:00', remaining: '' });
  expect(flashSaleBanner(upcoming, Date.parse('2026-12-06T12:30:00Z'))).toMatchObject({ state: 'running' });
  expect(countdownText(-5000)).toBe('00:00:00');
});

test('the product page shows the chosen variant\'s sale, else the product\'s running one first', async () => {
  const sales = [
    sale({ id: 1, variant_id: 70, status: 'upcoming', starts_at: '2026-12-05T12:00:00Z', ends_at: '2026-12-05T13:00:00Z' }),
    sale({ id: 2, variant_id: 71, price: 8800 }),
    sale({ id: 3, product_id: 8, variant_id: 80 }),
  ];
  expect(bannerFor(sales, 7, null, NOW)!.id).toBe(2);
  expect(bannerFor(sales, 7, 70, NOW)!.id).toBe(1);
  expect(bannerFor(sales, 7, 72, NOW)!.id).toBe(2);
  expect(bannerFor(sales, 9, null, NOW)).toBeNull();

  const { shop } = shopAnswering({ '/api/v1/flash-sales': { items: sales, next_cursor: null } });
  expect((await currentFlashSales(shop)).map((s) => s.id)).toEqual([1, 2, 3]);
  const { shop: plain } = shopAnswering({});
  await expect(currentFlashSales(plain)).resolves.toEqual([]);
});

test('the product page renders the flash-sale banner and the reviews block, and neither without them', async () => {
  const id = simulate.load({
    template: productTemplate(),
    usingComponents: { 'g-variant-picker': variantPicker() },
    data: { i18n: words(), images: [], variants: [], attributes: [], price: '¥159.00', name: '电水壶',
            stock: '', description: '', canBuy: true, flash: null as unknown, reviews: null as unknown },
  });
  const page = simulate.render(id);
  page.attach(document.createElement('parent-wrapper'));
  expect(page.querySelector('.flash')).toBeUndefined();
  expect(page.querySelector('.reviews')).toBeUndefined();

  page.setData({ flash: flashSaleBanner(sale({}), NOW), reviews: reviewsView(REVIEWS) });
  await simulate.sleep(0);
  const flash = page.querySelector('.flash')!.dom!.textContent!.replace(/\s+/g, ' ');
  expect(flash).toContain('限时秒杀');
  expect(flash).toContain('¥99.00');
  expect(flash).toContain('原价 ¥159.00');
  expect(flash).toContain('距结束 01:02:03');
  const reviews = page.querySelector('.reviews')!.dom!;
  expect(reviews.textContent).toContain('4 条评价');
  expect(reviews.textContent).toContain('好评率 75%');
  expect(reviews.querySelectorAll('.review').length).toBe(2);
  expect(reviews.querySelectorAll('.review-photo').length).toBe(1);
  expect(reviews.querySelector('.star-fill')!.getAttribute('style')).toContain('75%');
  expect(reviews.querySelector('.reply')!.textContent).toBe('商家回复：谢谢支持');
});

function promotion(overrides: Partial<ProductPromotion>): ProductPromotion {
  return { kind: 'gift', label: '赠品', text: '购买即送 品茗杯', variant_id: null, price: null,
           starts_at: null, ends_at: null, remaining: null, ...overrides };
}

test('gifts show under the price as the shop words them; flash sales are left to the banner', () => {
  const promotions = [
    promotion({ kind: 'flash_sale', label: '秒杀', text: '原价 ¥159.00', variant_id: 70, price: 9900,
                starts_at: '2026-12-05T08:00:00Z', ends_at: '2026-12-05T11:02:03Z', remaining: 12 }),
    promotion({ kind: '', label: '双11', text: '全场包邮', ends_at: '2026-12-05T12:00:00Z' }),
    promotion({}),
    promotion({ text: '满 ¥200.00 送 茶巾' }),
    promotion({ kind: '', label: '会员价', text: '', variant_id: 71, price: 12900 }),
  ];
  const rows = promotionRows(promotions, 70, 'CNY', NOW);
  expect(rows.map((row) => [row.gift, row.label, row.text, row.price])).toEqual([
    [true, '赠品', '购买即送 品茗杯', ''],
    [true, '赠品', '满 ¥200.00 送 茶巾', ''],
    [false, '双11', '全场包邮', ''],
  ]);
  expect(new Set(rows.map((row) => row.key)).size).toBe(rows.length);
  // Another variant's promise shows with that variant; an ended one goes.
  expect(promotionRows(promotions, 71, 'CNY', Date.parse('2026-12-05T12:00:00Z'))
    .map((row) => [row.label, row.price])).toEqual([['赠品', ''], ['赠品', ''], ['会员价', '¥129.00']]);
  expect(promotionRows([], null, 'CNY', NOW)).toEqual([]);
});

test('the product page shows its gifts, and no block without them', async () => {
  const id = simulate.load({
    template: productTemplate(),
    usingComponents: { 'g-variant-picker': variantPicker() },
    data: { i18n: words(), images: [], variants: [], attributes: [], price: '¥128.00', name: '龙井茶',
            stock: '', description: '', canBuy: true, flash: null, reviews: null, offers: [] as unknown[] },
  });
  const page = simulate.render(id);
  page.attach(document.createElement('parent-wrapper'));
  expect(page.querySelector('.offers')).toBeUndefined();

  page.setData({ offers: promotionRows([promotion({}), promotion({ text: '满 ¥200.00 送 茶巾' })], null, 'CNY', NOW) });
  await simulate.sleep(0);
  const offers = page.querySelector('.offers')!.dom!;
  expect(offers.querySelectorAll('.offer').length).toBe(2);
  expect(offers.querySelectorAll('.offer-label.gift').length).toBe(2);
  const [first, second] = Array.from(offers.querySelectorAll('.offer'));
  expect(first.querySelector('.offer-label')!.textContent).toBe('赠品');
  expect(first.querySelector('.offer-text')!.textContent).toBe('购买即送 品茗杯');
  expect(second.querySelector('.offer-text')!.textContent).toBe('满 ¥200.00 送 茶巾');
  expect(offers.querySelector('.offer-price')).toBeNull();
});
