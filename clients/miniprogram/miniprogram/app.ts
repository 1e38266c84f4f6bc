import { Shop } from './lib/shop';
import { Language, languageOf, setLanguage } from './lib/i18n';
import { wxStore } from './lib/storage';
import { wxTransport } from './api/wx-transport';
import { SHOP } from './shop';

export interface AppGlobal { shop: Shop }

function phoneLanguage(): Language {
  const info = wx.getAppBaseInfo ? wx.getAppBaseInfo() : wx.getSystemInfoSync();
  return languageOf(info.language);
}

const language = phoneLanguage();
setLanguage(language);

App<AppGlobal>({
  // Chinese first: problem details and names come back in the shopper's language.
  shop: new Shop({ baseUrl: SHOP.apiBase, transport: wxTransport,
                   language: language === 'zh_CN' ? 'zh-CN,zh;q=0.9' : 'en' }, wxStore),
});
