/** Helpers of the spec's own modules; not part of the package's exports. */

/** Flattens an intersection into one object type (readable hover types, exact `toEqualTypeOf`). */
export type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** Properties of `T` whose value type includes `undefined` are optional: `{ a?: … }`. */
export type OptionalUndefined<T> = Simplify<
  { [K in keyof T as undefined extends T[K] ? K : never]?: Exclude<T[K], undefined> } & {
    [K in keyof T as undefined extends T[K] ? never : K]: T[K];
  }
>;
