/** The cart as the page shows it: amounts in yuan. */
import { formatMoney } from './money';

export interface ApiCartLine { variant_id: number; name: string; unit_price: number; quantity: number; line_total: number }
export interface ApiCart { id: string; lines: ApiCartLine[]; subtotal: number; currency?: string }

export interface CartView {
  id: string;
  lines: { variantId: number; name: string; unitPrice: string; quantity: number; lineTotal: string }[];
  subtotal: string;
  count: number;
}

export function cartView(cart: ApiCart): CartView {
  const currency = cart.currency ?? 'CNY';
  return {
    id: cart.id,
    lines: cart.lines.map((line) => ({
      variantId: line.variant_id, name: line.name, quantity: line.quantity,
      unitPrice: formatMoney(line.unit_price, currency), lineTotal: formatMoney(line.line_total, currency),
    })),
    subtotal: formatMoney(cart.subtotal, currency),
    count: cart.lines.reduce((sum, line) => sum + line.quantity, 0),
  };
}
