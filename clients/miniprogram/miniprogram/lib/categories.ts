/** The category tree from the shop's flat list (each category names its parent). */
export interface FlatCategory { id: number; name: string; slug?: string; parent_id?: number | null; position?: number }
export interface CategoryNode { id: number; name: string; slug: string; image?: string; children: CategoryNode[] }
/** A node of `GET /api/v1/categories`. */
export interface ApiCategory { id: number; name: string; slug: string; image_url: string; children: ApiCategory[] }

export function categoryTree(items: FlatCategory[]): CategoryNode[] {
  const sorted = [...items].sort((a, b) => (a.position ?? 0) - (b.position ?? 0) || a.id - b.id);
  const nodes = new Map<number, CategoryNode>();
  for (const item of sorted) {
    nodes.set(item.id, { id: item.id, name: item.name, slug: item.slug ?? String(item.id), children: [] });
  }
  const roots: CategoryNode[] = [];
  for (const item of sorted) {
    const node = nodes.get(item.id)!;
    const parent = item.parent_id != null ? nodes.get(item.parent_id) : undefined;
    (parent ? parent.children : roots).push(node);
  }
  return roots;
}

/** The live tree of `GET /api/v1/categories` as the pages draw it (already in order). */
export function fromApi(items: ApiCategory[]): CategoryNode[] {
  return items.map((item) => ({ id: item.id, name: item.name, slug: item.slug,
    image: item.image_url || undefined, children: fromApi(item.children) }));
}

/** The shop's categories now; the tree the build copied when the shop cannot be reached. */
export async function liveCategories(load: () => Promise<{ items: ApiCategory[] }>,
                                     built: FlatCategory[]): Promise<CategoryNode[]> {
  try {
    return fromApi((await load()).items);
  } catch {
    return categoryTree(built);
  }
}
