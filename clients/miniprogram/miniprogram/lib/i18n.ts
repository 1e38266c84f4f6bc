/**
 * The words of the mini-program: Chinese first, English from the same keys. Pages read
 * `t('key')`; a test checks that both tables have every key and that no Chinese entry
 * carries an untranslated code.
 */
export type Language = 'zh_CN' | 'en';

export const STRINGS = {
  zh_CN: {
    'tab.home': '首页', 'tab.category': '分类', 'tab.cart': '购物车', 'tab.me': '我的',
    'home.search': '搜索商品', 'home.recommended': '为你推荐', 'home.categories': '全部分类',
    'product.add_to_cart': '加入购物车', 'product.buy_now': '立即购买', 'product.stock': '库存 {n} 件',
    'product.sold_out': '缺货', 'product.choose': '请选择规格', 'product.added': '已加入购物车',
    'product.reviews': '评价', 'product.gifts': '赠品', 'product.specs': '参数',
    'cart.empty': '购物车是空的', 'cart.subtotal': '合计', 'cart.checkout': '去结算',
    'cart.remove': '删除',
    'checkout.title': '确认订单', 'checkout.address': '选择收货地址', 'checkout.shipping': '配送方式',
    'checkout.eta': '预计{eta}', 'checkout.fee': '运费', 'checkout.discount': '优惠',
    'checkout.coupon': '优惠券', 'checkout.points': '积分抵扣', 'checkout.note': '订单备注',
    'checkout.invoice': '发票抬头', 'checkout.total': '实付', 'checkout.place': '提交订单',
    'checkout.no_address': '请先选择收货地址', 'checkout.free': '免运费',
    'checkout.days': '{n} 天送达', 'checkout.today': '当日送达',
    'ticket.status.open': '处理中', 'ticket.status.waiting': '待你回复', 'ticket.status.resolved': '已解决',
    'ticket.kind.question': '咨询', 'ticket.kind.complaint': '投诉', 'ticket.kind.return': '售后',
    'ticket.kind.repair': '维修', 'ticket.kind.installation': '安装',
    'ticket.new': '联系客服', 'ticket.subject': '主题', 'ticket.body': '想说的话', 'ticket.send': '提交',
    'ticket.reply': '回复', 'ticket.none': '还没有客服记录', 'ticket.no_subject': '请填写主题',
    'ticket.no_body': '请写下你的问题', 'ticket.sent': '已提交',
    'checkout.points_hint': '可用 {n} 积分', 'checkout.points_refused': '本单用不了这么多积分，请少用一些',
    'pay.paying': '正在支付…', 'pay.paid': '支付成功', 'pay.cancelled': '已取消支付',
    'pay.failed': '支付未完成，请在订单中重新支付', 'pay.pay_now': '立即支付',
    'orders.title': '我的订单', 'orders.empty': '还没有订单', 'order.tracking': '物流轨迹',
    'order.timeline': '订单记录', 'order.return': '申请售后', 'order.number': '订单号',
    'returns.title': '申请售后', 'returns.reason': '退货原因', 'returns.submit': '提交申请',
    'returns.sent': '售后申请已提交', 'returns.none': '请选择要退的商品和数量',
    'returns.no_reason': '请填写退货原因',
    'me.sign_in': '微信一键登录', 'me.addresses': '收货地址', 'me.coupons': '优惠券',
    'me.points': '积分', 'me.level': '会员等级', 'me.orders': '我的订单', 'me.tickets': '投诉与客服',
    'search.placeholder': '搜索商品', 'search.none': '没有找到相关商品',
    'error.network': '网络不给力，请稍后再试', 'error.generic': '出错了，请稍后再试',
    'status.pending_payment': '待付款', 'status.paid': '已付款', 'status.under_review': '待审核',
    'status.approved': '已审核', 'status.fulfilling': '配货中', 'status.shipped': '已发货',
    'status.delivered': '已送达', 'status.completed': '已完成', 'status.cancelled': '已取消',
    'status.refunded': '已退款', 'status.unknown': '处理中',
    'coupons.none': '还没有优惠券', 'coupons.min': '满{amount}', 'coupons.amount_off': '减{amount}',
    'coupons.percent_off': '{rate} 折', 'coupons.free_shipping': '免运费', 'coupons.fixed_price': '一口价 {amount}',
    'coupons.available': '可使用', 'coupons.used': '已使用', 'coupons.expired': '已过期',
    'addresses.default': '默认',
    'reviews.count': '{n} 条评价', 'reviews.average': '{average} 分', 'reviews.good_share': '好评率 {share}%',
    'reviews.none': '还没有评价', 'reviews.anonymous': '匿名买家', 'reviews.reply': '商家回复：{text}',
    'reviews.stars': '{n} 星',
    'flash.title': '限时秒杀', 'flash.ends_in': '距结束 {time}', 'flash.starts_in': '距开始 {time}',
    'flash.days': '{n} 天 ', 'flash.remaining': '仅剩 {n} 件', 'flash.sold_out': '已抢光',
    'flash.limit': '每人限购 {n} 件', 'flash.regular': '原价 {price}',
  },
  en: {
    'tab.home': 'Home', 'tab.category': 'Categories', 'tab.cart': 'Cart', 'tab.me': 'Me',
    'home.search': 'Search products', 'home.recommended': 'Recommended', 'home.categories': 'All categories',
    'product.add_to_cart': 'Add to cart', 'product.buy_now': 'Buy now', 'product.stock': '{n} in stock',
    'product.sold_out': 'Out of stock', 'product.choose': 'Choose an option', 'product.added': 'Added to cart',
    'product.reviews': 'Reviews', 'product.gifts': 'Free gifts', 'product.specs': 'Specifications',
    'cart.empty': 'Your cart is empty', 'cart.subtotal': 'Subtotal', 'cart.checkout': 'Check out',
    'cart.remove': 'Remove',
    'checkout.title': 'Order summary', 'checkout.address': 'Choose a delivery address',
    'checkout.shipping': 'Shipping', 'checkout.eta': 'Arrives {eta}', 'checkout.fee': 'Shipping fee',
    'checkout.discount': 'Discount', 'checkout.coupon': 'Coupon', 'checkout.points': 'Use points',
    'checkout.note': 'Note', 'checkout.invoice': 'Invoice title', 'checkout.total': 'Total',
    'checkout.place': 'Place order', 'checkout.no_address': 'Choose a delivery address first',
    'checkout.free': 'Free shipping', 'checkout.days': '{n} days', 'checkout.today': 'today',
    'ticket.status.open': 'In progress', 'ticket.status.waiting': 'Waiting for you', 'ticket.status.resolved': 'Resolved',
    'ticket.kind.question': 'Question', 'ticket.kind.complaint': 'Complaint', 'ticket.kind.return': 'After-sales',
    'ticket.kind.repair': 'Repair', 'ticket.kind.installation': 'Installation',
    'ticket.new': 'Contact us', 'ticket.subject': 'Subject', 'ticket.body': 'Your message', 'ticket.send': 'Send',
    'ticket.reply': 'Reply', 'ticket.none': 'No conversations yet', 'ticket.no_subject': 'Enter a subject',
    'ticket.no_body': 'Write your question', 'ticket.sent': 'Sent',
    'checkout.points_hint': 'You have {n} points', 'checkout.points_refused': 'This order cannot take that many points; use fewer',
    'pay.paying': 'Paying…', 'pay.paid': 'Paid', 'pay.cancelled': 'Payment cancelled',
    'pay.failed': 'Not paid; pay again from the order', 'pay.pay_now': 'Pay now',
    'orders.title': 'My orders', 'orders.empty': 'No orders yet', 'order.tracking': 'Tracking',
    'order.timeline': 'Order history', 'order.return': 'Request a return', 'order.number': 'Order number',
    'returns.title': 'Request a return', 'returns.reason': 'Reason', 'returns.submit': 'Submit',
    'returns.sent': 'Return requested', 'returns.none': 'Choose the items and how many to return',
    'returns.no_reason': 'Say why you return them',
    'me.sign_in': 'Sign in with WeChat', 'me.addresses': 'Addresses', 'me.coupons': 'Coupons',
    'me.points': 'Points', 'me.level': 'Membership level', 'me.orders': 'My orders',
    'me.tickets': 'Support tickets',
    'search.placeholder': 'Search products', 'search.none': 'No products found',
    'error.network': 'No connection; try again later', 'error.generic': 'Something went wrong; try again',
    'status.pending_payment': 'Awaiting payment', 'status.paid': 'Paid', 'status.under_review': 'Under review',
    'status.approved': 'Approved', 'status.fulfilling': 'Fulfilling', 'status.shipped': 'Shipped',
    'status.delivered': 'Delivered', 'status.completed': 'Completed', 'status.cancelled': 'Cancelled',
    'status.refunded': 'Refunded', 'status.unknown': 'In progress',
    'coupons.none': 'No coupons yet', 'coupons.min': 'Spend {amount}, ', 'coupons.amount_off': '{amount} off',
    'coupons.percent_off': '{percent}% off', 'coupons.free_shipping': 'free shipping',
    'coupons.fixed_price': 'pay only {amount}', 'coupons.available': 'Available', 'coupons.used': 'Used',
    'coupons.expired': 'Expired', 'addresses.default': 'Default',
    'reviews.count': '{n} reviews', 'reviews.average': '{average} / 5', 'reviews.good_share': '{share}% positive',
    'reviews.none': 'No reviews yet', 'reviews.anonymous': 'Anonymous buyer', 'reviews.reply': 'The shop replied: {text}',
    'reviews.stars': '{n} stars',
    'flash.title': 'Flash sale', 'flash.ends_in': 'Ends in {time}', 'flash.starts_in': 'Starts in {time}',
    'flash.days': '{n}d ', 'flash.remaining': 'Only {n} left', 'flash.sold_out': 'Sold out',
    'flash.limit': 'Limit {n} per customer', 'flash.regular': 'Was {price}',
  },
} as const;

export type Key = keyof typeof STRINGS.zh_CN;
let current: Language = 'zh_CN';

/** zh_CN unless the phone's WeChat is set to a language other than Chinese. */
export function languageOf(wechatLanguage: string | undefined): Language {
  return !wechatLanguage || wechatLanguage.startsWith('zh') ? 'zh_CN' : 'en';
}

export function setLanguage(language: Language): void {
  current = language;
}

export function language(): Language {
  return current;
}

export function t(key: Key, values: Record<string, string | number> = {}): string {
  const text: string = STRINGS[current][key] ?? STRINGS.zh_CN[key];
  return text.replace(/\{(\w+)\}/g, (_, name: string) => String(values[name] ?? ''));
}

/** An order status in words; never the raw code. */
export function statusText(status: string): string {
  const key = `status.${status}` as Key;
  return key in STRINGS.zh_CN ? t(key) : t('status.unknown');
}

/** The words for a page: `{key: text}` for `setData`, so a .wxml reads `{{i18n['cart.empty']}}`. */
export function words(): Record<Key, string> {
  return { ...STRINGS.zh_CN, ...STRINGS[current] } as Record<Key, string>;
}
