import { chosenVariant, firstSelection, optionGroups, PickableVariant, pickValue } from '../../lib/variants';

/** Options as chips; emits `change` with `{variant}` (null until every option is chosen). */
Component({
  properties: {
    variants: { type: Array, value: [] },
  },
  data: { groups: [] as ReturnType<typeof optionGroups>, selection: {} as Record<string, string> },
  observers: {
    variants(this: WechatMiniprogram.Component.TrivialInstance, variants: PickableVariant[]) {
      const selection = firstSelection(variants);
      this.setData({ selection, groups: optionGroups(variants, selection) });
      this.triggerEvent('change', { variant: chosenVariant(variants, selection) });
    },
  },
  methods: {
    pick(this: WechatMiniprogram.Component.TrivialInstance, event: WechatMiniprogram.TouchEvent) {
      const { name, value } = event.currentTarget.dataset as { name: string; value: string };
      const data = this.data as { variants: PickableVariant[]; selection: Record<string, string> };
      const variants = data.variants;
      const selection = pickValue(variants, data.selection, name, value);
      this.setData({ selection, groups: optionGroups(variants, selection) });
      this.triggerEvent('change', { variant: chosenVariant(variants, selection) });
    },
  },
});
