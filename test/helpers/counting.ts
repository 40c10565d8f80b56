/** A store (or any object) whose method calls are counted by name: how tests see N+1 queries and reads that did not happen. */
export function counted<T extends object>(target: T, calls: Map<string, number>): T {
  return new Proxy(target, {
    get(t, prop, receiver) {
      const value = Reflect.get(t, prop, receiver);
      if (typeof value !== "function" || typeof prop !== "string") return value;
      return (...args: unknown[]) => {
        calls.set(prop, (calls.get(prop) ?? 0) + 1);
        return value.apply(t, args);
      };
    },
  });
}
