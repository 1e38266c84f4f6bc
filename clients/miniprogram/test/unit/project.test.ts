/** The project as DevTools loads it: every page and component complete, every word a page
 * names in both tables, no page text outside them. */
import fs from 'node:fs';
import path from 'node:path';
import { STRINGS } from '../../miniprogram/lib/i18n';

const root = path.resolve(__dirname, '../../miniprogram');
const app = JSON.parse(fs.readFileSync(path.join(root, 'app.json'), 'utf8'));

function files(dir: string, ext: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? files(full, ext) : full.endsWith(ext) ? [full] : [];
  });
}

test('every page and component has its .ts, .wxml and .json; the tab bar has four tabs', () => {
  const components = Object.values(app.usingComponents as Record<string, string>);
  for (const unit of [...app.pages, ...components.map((c) => c.replace(/^\//, ''))]) {
    for (const ext of ['.ts', '.wxml', '.json']) {
      expect([unit, fs.existsSync(path.join(root, `${unit}${ext}`))]).toEqual([unit, true]);
    }
  }
  expect(app.tabBar.list.map((tab: { text: string }) => tab.text)).toEqual(['首页', '分类', '购物车', '我的']);
  for (const tab of app.tabBar.list) expect(app.pages).toContain(tab.pagePath);
});

test('the words the pages name exist in Chinese and English; no text is written into a page', () => {
  for (const file of files(root, '.wxml')) {
    const source = fs.readFileSync(file, 'utf8');
    for (const [, key] of source.matchAll(/i18n\['([^']+)'\]/g)) {
      expect([path.relative(root, file), key, key in STRINGS.zh_CN && key in STRINGS.en])
        .toEqual([path.relative(root, file), key, true]);
    }
    // Text between tags is a binding ({{…}}) or punctuation, never a sentence of its own.
    const bare = source.replace(/\{\{[^}]*\}\}/g, '').replace(/<[^>]*>/g, ' ');
    expect([path.relative(root, file), bare.match(/[A-Za-z\u4e00-\u9fff]{2,}/g)])
      .toEqual([path.relative(root, file), null]);
  }
});
