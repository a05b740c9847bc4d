/**
 * Objects (task maps, message and payload arrays) made during one fold, which that fold may therefore update
 * in place: a batch copies a run's task map and messages once instead of on every event, so a chunk costs
 * O(1) however many tasks and messages the run has. Without it, `evolveRunView` never mutates anything.
 */
export type FoldScratch = WeakSet<object>;

export function appendOwned<T>(scratch: FoldScratch | undefined, list: readonly T[], item: T): T[] {
  if (scratch?.has(list)) {
    (list as T[]).push(item);
    return list as T[];
  }
  const copy = [...list, item];
  scratch?.add(copy);
  return copy;
}

/** `{ ...obj, ...patch }`, or `obj` patched in place when this fold made it. */
export function patched<T extends object>(scratch: FoldScratch | undefined, obj: T, patch: Partial<T>): T {
  if (scratch?.has(obj)) return Object.assign(obj, patch);
  const copy = { ...obj, ...patch };
  scratch?.add(copy);
  return copy;
}
