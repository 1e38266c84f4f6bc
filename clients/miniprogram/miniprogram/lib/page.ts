/** What every page shares: the shop, the words, and errors shown as toasts in words. */
import { ApiProblem, NetworkError } from '../api/client';
import { t, words } from './i18n';
import type { Shop } from './shop';

export function shop(): Shop {
  return getApp<{ shop: Shop }>().shop;
}

export function i18n() {
  return words();
}

/** A message a person can act on: the shop's own `detail` for a 4xx, else a generic one. */
export function messageOf(error: unknown): string {
  if (error instanceof ApiProblem && error.status < 500 && error.detail) return error.detail;
  if (error instanceof NetworkError) return t('error.network');
  return t('error.generic');
}

export function toastError(error: unknown): void {
  wx.showToast({ title: messageOf(error), icon: 'none', duration: 2500 });
}
