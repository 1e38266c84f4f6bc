/** What every page shares: the shop, the words, and errors shown as toasts in words. */
import { ApiProblem, NetworkError } from '../api/client';
import { language, t, words } from './i18n';
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

const TABS = ['tab.home', 'tab.category', 'tab.cart', 'tab.me'] as const;

/** app.json names the tabs in Chinese; a phone in English gets them in English. Call from
 * the tab pages' onShow (setTabBarItem works only there). */
export function localizeTabBar(): void {
  if (language() === 'zh_CN') return;
  TABS.forEach((key, index) => wx.setTabBarItem({ index, text: t(key) }));
}
