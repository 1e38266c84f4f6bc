/** The category tree from the shop's flat list (each category names its parent). */
export interface FlatCategory { id: number; name: string; slug?: string; parent_id?: number | null; position?: number }
export interface CategoryNode { id: number; name: string; slug: string; children: CategoryNode[] }

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
