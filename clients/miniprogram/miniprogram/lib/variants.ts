/** The variant picker's logic: option groups from a product's variants, the variant a
 * selection names, and which values would lead to nothing in stock. */
export interface PickableVariant {
  id: number;
  options: Record<string, string>;
  available: number | boolean;
  price: number;
}

export interface OptionValue { value: string; selected: boolean; possible: boolean }
export interface OptionGroup { name: string; values: OptionValue[] }

function inStock(variant: PickableVariant): boolean {
  return typeof variant.available === 'number' ? variant.available > 0 : variant.available;
}

function matches(variant: PickableVariant, selection: Record<string, string>): boolean {
  return Object.entries(selection).every(([name, value]) => variant.options[name] === value);
}

export function optionGroups(variants: PickableVariant[],
                             selection: Record<string, string>): OptionGroup[] {
  const names: string[] = [];
  const values: Record<string, string[]> = {};
  for (const variant of variants) {
    for (const [name, value] of Object.entries(variant.options || {})) {
      if (!values[name]) { names.push(name); values[name] = []; }
      if (!values[name].includes(value)) values[name].push(value);
    }
  }
  return names.map((name) => ({
    name,
    values: values[name].map((value) => {
      const wanted = { ...selection, [name]: value };
      return {
        value,
        selected: selection[name] === value,
        possible: variants.some((v) => matches(v, wanted) && inStock(v)),
      };
    }),
  }));
}

/** The one variant the selection names (every option chosen), else null. A product
 * without options has one variant, chosen from the start. */
export function chosenVariant(variants: PickableVariant[],
                              selection: Record<string, string>): PickableVariant | null {
  if (variants.length === 1 && Object.keys(variants[0].options || {}).length === 0) {
    return variants[0];
  }
  const found = variants.filter((v) => Object.keys(v.options || {}).length === Object.keys(selection).length
    && matches(v, selection));
  return found.length === 1 ? found[0] : null;
}

/** A first selection: the first variant in stock, so the page opens on something to buy. */
export function firstSelection(variants: PickableVariant[]): Record<string, string> {
  const first = variants.find(inStock) ?? variants[0];
  return first ? { ...(first.options || {}) } : {};
}

/** The selection after tapping `value` of option `name`: when that makes a combination
 * nothing is in stock of, the other options move to the first variant in stock with that
 * value (as shoppers expect from 淘宝/有赞 pickers), so no tap leads nowhere. */
export function pickValue(variants: PickableVariant[], selection: Record<string, string>,
                          name: string, value: string): Record<string, string> {
  const wanted = { ...selection, [name]: value };
  if (variants.some((v) => matches(v, wanted) && inStock(v))) return wanted;
  const other = variants.find((v) => v.options?.[name] === value && inStock(v));
  return other ? { ...other.options } : wanted;
}
