/** The return request: which lines, how many, and why. */
import { t } from './i18n';

export interface ReturnChoice { variantId: number; name: string; bought: number; quantity: number }

export function returnBody(lines: ReturnChoice[], reason: string):
  { body: { kind: string; lines: { variant_id: number; quantity: number }[]; reason: string } }
  | { missing: string } {
  const chosen = lines.filter((line) => line.quantity > 0)
    .map((line) => ({ variant_id: line.variantId, quantity: Math.min(line.quantity, line.bought) }));
  if (!chosen.length) return { missing: t('returns.none') };
  if (!reason.trim()) return { missing: t('returns.no_reason') };
  return { body: { kind: 'return', lines: chosen, reason: reason.trim() } };
}
