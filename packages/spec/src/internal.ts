/** Helpers of the spec's own modules; not part of the package's exports. */

/** Flattens an intersection into one object type (readable hover types, exact `toEqualTypeOf`). */
export type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** Properties of `T` whose value type includes `undefined` are optional: `{ a?: … }`. */
export type OptionalUndefined<T> = Simplify<
  { [K in keyof T as undefined extends T[K] ? K : never]?: Exclude<T[K], undefined> } & {
    [K in keyof T as undefined extends T[K] ? never : K]: T[K];
  }
>;

/** An object with one entry per key, its value computed from the key: `Object.fromEntries`, typed by its keys. */
export function tableOf<K extends string, V>(keys: readonly K[], entryOf: (key: K) => V): Record<K, V> {
  const table = {} as Record<K, V>;
  for (const key of keys) table[key] = entryOf(key);
  return table;
}
