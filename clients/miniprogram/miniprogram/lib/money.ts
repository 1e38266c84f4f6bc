/** Money: the API speaks integer minor units (fen) with a currency; people read yuan. */
const SYMBOLS: Record<string, string> = { CNY: '¥', USD: '$', EUR: '€', HKD: 'HK$' };

/** 2630 → "¥26.30"; -500 → "-¥5.00". */
export function formatMoney(minor: number, currency = 'CNY'): string {
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(Math.round(minor));
  const units = Math.floor(abs / 100);
  const cents = String(abs % 100).padStart(2, '0');
  return `${sign}${SYMBOLS[currency] ?? `${currency} `}${units}.${cents}`;
}

/** "26.3" / "26.30" / "¥26" → 2630; null for what is not an amount of at most two decimals. */
export function parseYuan(text: string): number | null {
  const cleaned = text.trim().replace(/^[¥￥]/, '');
  const found = /^(\d{1,9})(?:\.(\d{1,2}))?$/.exec(cleaned);
  if (!found) return null;
  return Number(found[1]) * 100 + Number((found[2] ?? '').padEnd(2, '0'));
}
