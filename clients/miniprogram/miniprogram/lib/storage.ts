/** What the mini-program keeps between launches, behind an interface so logic is testable
 * without `wx` (tests pass a Map-backed store). */
export interface KeyValue {
  get(key: string): string | undefined;
  set(key: string, value: string): void;
  remove(key: string): void;
}

export function memoryStore(): KeyValue {
  const values = new Map<string, string>();
  return {
    get: (key) => values.get(key),
    set: (key, value) => { values.set(key, value); },
    remove: (key) => { values.delete(key); },
  };
}

export const wxStore: KeyValue = {
  get(key) {
    const value = wx.getStorageSync(key);
    return typeof value === 'string' && value ? value : undefined;
  },
  set(key, value) { wx.setStorageSync(key, value); },
  remove(key) { wx.removeStorageSync(key); },
};
