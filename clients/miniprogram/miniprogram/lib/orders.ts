/** Orders as the pages show them: status in words, money in yuan, times in China time. */
import { formatMoney } from './money';
import { statusText } from './i18n';

/** RFC 3339 (UTC) → "2026-12-05 22:03" in China time (UTC+8, no daylight saving). */
export function chinaTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const when = new Date(new Date(iso).getTime() + 8 * 3600 * 1000);
  if (Number.isNaN(when.getTime())) return '';
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${when.getUTCFullYear()}-${pad(when.getUTCMonth() + 1)}-${pad(when.getUTCDate())} `
    + `${pad(when.getUTCHours())}:${pad(when.getUTCMinutes())}`;
}

export interface OrderRow { number: string; status: string; statusText: string; total: string; createdAt: string }

export function orderRows(items: { number: string; status: string; total: number; currency: string;
  created_at: string | null }[]): OrderRow[] {
  return items.map((o) => ({ number: o.number, status: o.status, statusText: statusText(o.status),
    total: formatMoney(o.total, o.currency), createdAt: chinaTime(o.created_at) }));
}

export interface TrackingRow { at: string; text: string }

/** Tracking events, newest first, whatever their carrier called the fields. */
export function trackingRows(tracking: Record<string, unknown>[]): TrackingRow[] {
  const rows: TrackingRow[] = [];
  for (const shipment of tracking) {
    const events = Array.isArray(shipment.events) ? shipment.events as Record<string, unknown>[] : [shipment];
    for (const event of events) {
      const text = String(event.description ?? event.message ?? event.status_text ?? event.status ?? '');
      if (text) rows.push({ at: chinaTime(String(event.at ?? event.occurred_at ?? event.time ?? '')), text });
    }
  }
  return rows.sort((a, b) => (a.at < b.at ? 1 : -1));
}
