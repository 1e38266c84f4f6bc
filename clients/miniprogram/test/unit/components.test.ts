/** The mini-program's components rendered by miniprogram-simulate (j-component on jsdom). */
import path from 'node:path';
import simulate from 'miniprogram-simulate';

const root = path.resolve(__dirname, '../../miniprogram');
const load = (name: string) => simulate.load(path.join(root, 'components', name, 'index'),
  { rootPath: root, compiler: 'simulate' });

const VARIANTS = [
  { id: 1, price: 329900, available: 3, options: { 颜色: '白色', 容量: '500L' } },
  { id: 2, price: 359900, available: 0, options: { 颜色: '银色', 容量: '500L' } },
  { id: 3, price: 399900, available: 5, options: { 颜色: '银色', 容量: '600L' } },
];

test('a price in fen shows in yuan with two decimals', async () => {
  const price = simulate.render(load('price'), { amount: 2630 });
  price.attach(document.createElement('parent-wrapper'));
  expect(price.dom!.textContent!.trim()).toBe('¥26.30');
  price.setData({ amount: 5 });
  await simulate.sleep(0);
  expect(price.dom!.textContent!.trim()).toBe('¥0.05');
});

test('the variant picker opens on a variant in stock and greys what is sold out', async () => {
  const picker = simulate.render(load('variant-picker'));
  const changes: unknown[] = [];
  // j-component's root has addEventListener; the bundled typings leave it out.
  (picker as unknown as { addEventListener(name: string, listener: (event: { detail: { variant: unknown } }) => void): void })
    .addEventListener('change', (event) => changes.push(event.detail.variant));
  picker.attach(document.createElement('parent-wrapper'));
  picker.setData({ variants: VARIANTS });
  await simulate.sleep(0);
  expect(changes.at(-1)).toMatchObject({ id: 1 });
  const chips = picker.querySelectorAll('.chip');
  expect(chips.map((chip) => chip.dom!.textContent)).toEqual(['白色', '银色', '500L', '600L']);
  // 白色 is chosen; 600L only comes in 银色, so with 白色 it is out of reach.
  expect(chips[3].dom!.className).toContain('off');

  // 银色 500L is sold out: tapping 银色 moves to 银色 600L, the one in stock.
  chips[1].dispatchEvent('tap');
  await simulate.sleep(0);
  expect(changes.at(-1)).toMatchObject({ id: 3, price: 399900 });
  const after = picker.querySelectorAll('.chip');
  expect(after[3].dom!.className).toContain('on');
  expect(after[2].dom!.className).toContain('off');  // 银色 500L: none left
  expect(after[0].dom!.className).toContain('off');   // 白色 600L: not made
  after[0].dispatchEvent('tap');  // back to 白色: 500L, the only 白色
  await simulate.sleep(0);
  expect(changes.at(-1)).toMatchObject({ id: 1 });
});
