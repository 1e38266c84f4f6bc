/** Product cards for lists: name, the price in yuan, the first image, sold out or not. */
import { formatMoney } from './money';

export interface ListedProduct {
  id: number;
  name: string;
  price_from: number;
  currency: string;
  available: boolean | number;
  image?: string | null;
  images?: unknown[];
}

export interface ProductCard { id: number; name: string; price: string; image: string; soldOut: boolean }

function imageOf(product: ListedProduct): string {
  if (product.image) return product.image;
  const first = product.images?.[0] as string | { url?: string } | undefined;
  return typeof first === 'string' ? first : first?.url ?? '';
}

export function productCards(products: ListedProduct[]): ProductCard[] {
  return products.map((product) => ({
    id: product.id,
    name: product.name,
    price: formatMoney(product.price_from, product.currency),
    image: imageOf(product),
    soldOut: typeof product.available === 'number' ? product.available <= 0 : !product.available,
  }));
}
