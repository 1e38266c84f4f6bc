/** The pages' logic, without a phone: money, words, addresses, checkout, returns, coupons. */
import { fromWxAddress, regionCodes } from '../../miniprogram/lib/address';
import { couponRows } from '../../miniprogram/lib/account';
import { bannerViews } from '../../miniprogram/lib/banners';
import { categoryTree, liveCategories } from '../../miniprogram/lib/categories';
import { etaText, orderBody, pointsRefusal, pointsToUse, previewBody, settleShipping, shippingRows } from '../../miniprogram/lib/checkout';
import { ApiProblem } from '../../miniprogram/api/client';
import { setLanguage, statusText, STRINGS } from '../../miniprogram/lib/i18n';
import { formatMoney, parseYuan } from '../../miniprogram/lib/money';
import { chinaTime } from '../../miniprogram/lib/orders';
import { returnBody } from '../../miniprogram/lib/returns';
import { messageRows, ticketBody, ticketRows } from '../../miniprogram/lib/tickets';

afterEach(() => setLanguage('zh_CN'));

test('money is shown and typed in yuan, kept in fen', () => {
  expect(formatMoney(2630)).toBe('¥26.30');
  expect(formatMoney(-500)).toBe('-¥5.00');
  expect(formatMoney(7)).toBe('¥0.07');
  expect(parseYuan('26.3')).toBe(2630);
  expect(parseYuan('¥26')).toBe(2600);
  expect(parseYuan('26.305')).toBeNull();
  expect(parseYuan('abc')).toBeNull();
});

test('both languages have every word, and the Chinese table carries no English or codes', () => {
  const zh = STRINGS.zh_CN as Record<string, string>;
  const en = STRINGS.en as Record<string, string>;
  expect(Object.keys(en).sort()).toEqual(Object.keys(zh).sort());
  for (const [key, text] of Object.entries(zh)) {
    const bare = text.replace(/\{\w+\}/g, '');
    expect([key, /[A-Za-z_]/.test(bare)]).toEqual([key, false]);
  }
  expect(statusText('pending_payment')).toBe('待付款');
  expect(statusText('some_new_state')).toBe('处理中');  // never the raw code
  setLanguage('en');
  expect(statusText('shipped')).toBe('Shipped');
});

test('a WeChat address becomes the shop address, with the names of the shop\'s region table', async () => {
  expect(regionCodes('330106')).toEqual({ province: '330000', city: '330100', district: '330106' });
  expect(regionCodes('330100')).toBeNull();
  const table: Record<string, Record<string, string>> = {
    '': { 110000: '北京市', 330000: '浙江省' },
    110000: { 110100: '北京市' },
    110100: { 110105: '朝阳区' },
  };
  const lookups: string[] = [];
  const { address, regions } = await fromWxAddress({
    userName: ' 韩梅梅 ', telNumber: '139-0013-9000', provinceName: '北京市', cityName: '市辖区',
    countyName: '朝阳区', detailInfo: '建国路 1 号', nationalCode: '110105', postalCode: '100022',
  }, async (parent) => { lookups.push(parent); return table[parent]; });
  expect(address).toEqual({ name: '韩梅梅', phone: '13900139000', country: 'CN', province: '北京市',
    city: '北京市', district: '朝阳区', line1: '建国路 1 号', postal_code: '100022' });
  expect(regions?.district).toBe('110105');
  expect(lookups.sort()).toEqual(['', '110000', '110100']);

  // Without the table (offline), WeChat's names still make an address.
  const offline = await fromWxAddress({ userName: '李雷', telNumber: '13800138000',
    provinceName: '浙江省', cityName: '杭州市', countyName: '西湖区', detailInfo: '文三路 90 号',
    nationalCode: '330106', postalCode: '000000' }, async () => { throw new Error('offline'); });
  expect(offline.address).toMatchObject({ province: '浙江省', city: '杭州市', district: '西湖区' });
  expect(offline.address.postal_code).toBeUndefined();
});

test('shipping options show fee and arrival in words; the order needs an address', () => {
  const options = [{ code: 'express', name: '快递', fee: 1200, eta: { min_days: 1, max_days: 3 } },
                   { code: 'pickup', name: '到店自提', fee: 0, eta: { min_days: 0, max_days: 0 } }];
  expect(shippingRows(options, 'express', 'CNY')).toEqual([
    { code: 'express', name: '快递', fee: '¥12.00', eta: '预计1–3 天送达', selected: true },
    { code: 'pickup', name: '到店自提', fee: '免运费', eta: '预计当日送达', selected: false }]);
  expect(settleShipping(options, 'gone')).toBe('express');
  setLanguage('en');
  expect(etaText({ min_days: 2, max_days: 2 })).toBe('2 days');
  setLanguage('zh_CN');

  expect(orderBody('c1', {}, 'wechat')).toEqual({ missing: '请先选择收货地址' });
  const address = { name: '韩梅梅', phone: '13900139000', country: 'CN', province: '浙江省',
                    city: '杭州市', line1: '龙井路 1 号' };
  expect(orderBody('c1', { address, shippingMethod: 'express', note: ' 放门口 ', invoiceTitle: '韩梅梅' },
    'wechat')).toEqual({ body: { cart_id: 'c1', address, shipping_method: 'express',
    contact: { name: '韩梅梅', phone: '13900139000' }, payment_method: 'wechat', note: '放门口',
    invoice: { type: 'personal', title: '韩梅梅' } } });
});

test('a return names lines, quantities within what was bought, and a reason', () => {
  const lines = [{ variantId: 7, name: '冰箱', bought: 1, quantity: 0 }];
  expect(returnBody(lines, '坏了')).toEqual({ missing: '请选择要退的商品和数量' });
  expect(returnBody([{ ...lines[0], quantity: 3 }], ' ')).toEqual({ missing: '请填写退货原因' });
  expect(returnBody([{ ...lines[0], quantity: 3 }], '门有划痕')).toEqual({
    body: { kind: 'return', lines: [{ variant_id: 7, quantity: 1 }], reason: '门有划痕' } });
});

test('coupons in words, categories as a tree, times in China time', () => {
  const coupon = { currency: 'CNY', max_discount: null };
  expect(couponRows([
    { id: 1, state: 'available', coupon: { ...coupon, name: '新人券', kind: 'amount_off', value: 2000, min_amount: 10000 } },
    { id: 2, state: 'used', coupon: { ...coupon, name: '折扣券', kind: 'percent_off', value: 15, min_amount: 0 } },
    { id: 3, state: 'expired', coupon: { ...coupon, name: '包邮券', kind: 'free_shipping', value: 0, min_amount: 0 } },
  ]).map((row) => `${row.title} ${row.terms} ${row.state}`)).toEqual([
    '新人券 满¥100.00减¥20.00 可使用', '折扣券 8.5 折 已使用', '包邮券 免运费 已过期']);
  expect(categoryTree([
    { id: 2, name: '冰箱', slug: 'fridge', parent_id: 1, position: 0 },
    { id: 1, name: '大家电', slug: 'big', parent_id: null, position: 0 },
    { id: 3, name: '小家电', slug: 'small', parent_id: null, position: 1 },
  ])).toEqual([
    { id: 1, name: '大家电', slug: 'big', children: [{ id: 2, name: '冰箱', slug: 'fridge', children: [] }] },
    { id: 3, name: '小家电', slug: 'small', children: [] }]);
  expect(chinaTime('2026-12-05T16:30:00Z')).toBe('2026-12-06 00:30');
});

test('the categories are read live from the shop, with the built tree when it cannot be reached', async () => {
  const live = await liveCategories(async () => ({ items: [
    { id: 1, name: '大家电', slug: 'big', image_url: 'https://cdn.example.com/big.jpg', children: [
      { id: 2, name: '冰箱', slug: 'fridge', image_url: '', children: [] }] }] }), []);
  expect(live).toEqual([{ id: 1, name: '大家电', slug: 'big', image: 'https://cdn.example.com/big.jpg',
    children: [{ id: 2, name: '冰箱', slug: 'fridge', image: undefined, children: [] }] }]);
  const offline = await liveCategories(async () => { throw new Error('offline'); },
    [{ id: 9, name: '茶叶', slug: 'tea', parent_id: null, position: 0 }]);
  expect(offline).toEqual([{ id: 9, name: '茶叶', slug: 'tea', children: [] }]);
});

test('banners open their product or category, with the shop\'s pictures made absolute', () => {
  expect(bannerViews([
    { image_url: '/media/shops/1/banners/a.jpg', link: { type: 'product', product_id: 12, category: null } },
    { image_url: 'https://cdn.example.com/b.jpg', link: { type: 'category', product_id: null, category: '大家电' } },
    { image_url: '', link: { type: 'category', product_id: null, category: 'big' } },
  ], 'https://shop.example.com/')).toEqual([
    { image: 'https://shop.example.com/media/shops/1/banners/a.jpg', url: '/pages/product/index?id=12' },
    { image: 'https://cdn.example.com/b.jpg', url: `/pages/search/index?category=${encodeURIComponent('大家电')}` }]);
});

test('points at checkout: whole, at most the balance, and a refusal in words under the field', () => {
  expect(pointsToUse('300', 1000)).toBe(300);
  expect(pointsToUse('5000', 1000)).toBe(1000);
  expect(pointsToUse('12.7分', 1000)).toBe(127);
  expect(pointsToUse('', 1000)).toBe(0);
  expect(previewBody('c1', { points: 300 })).toEqual({ cart_id: 'c1', points: 300 });
  expect(previewBody('c1', { points: 0 })).toEqual({ cart_id: 'c1' });
  const refused = new ApiProblem(422, { detail: 'Points: at most 50 points on this order',
    errors: [{ field: 'points', message: 'at most 50 points on this order' }] });
  expect(pointsRefusal(refused)).toBe('本单用不了这么多积分，请少用一些');
  expect(pointsRefusal(new ApiProblem(422, { errors: [{ field: 'coupon_code', message: 'x' }] }))).toBe('');
});

test('客服: tickets and their messages in words, a new one checked before it is sent', () => {
  const ticket = { id: 4, kind: 'complaint', status: 'waiting', subject: '冰箱门有划痕', order_number: 'N1',
    messages: [{ id: 1, author: 'customer', body: '门上有划痕', created_at: '2026-12-05T02:00:00Z' },
               { id: 2, author: 'staff', body: '请拍张照片', created_at: '2026-12-05T03:30:00Z' }] };
  expect(ticketRows([ticket])).toEqual([{ id: 4, subject: '冰箱门有划痕', status: '待你回复', kind: '投诉',
    waiting: true, at: '2026-12-05 11:30' }]);
  expect(messageRows(ticket).map((m) => [m.mine, m.body])).toEqual([[true, '门上有划痕'], [false, '请拍张照片']]);
  expect(ticketBody('question', ' ', 'x')).toEqual({ missing: '请填写主题' });
  expect(ticketBody('complaint', '送货慢', '  ')).toEqual({ missing: '请写下你的问题' });
  expect(ticketBody('complaint', ' 送货慢 ', '三天了还没到', 'N1')).toEqual({ body: {
    kind: 'complaint', subject: '送货慢', body: '三天了还没到', order_number: 'N1' } });
  setLanguage('en');
  expect(ticketRows([{ ...ticket, status: 'resolved' }])[0].status).toBe('Resolved');
});
