/**
 * Delta debugging (Zeller and Hildebrandt's ddmin): the smallest sublist of `items`, in their
 * order, for which `stillFails` holds, found by trying chunks and their complements at growing
 * granularity. The result is 1-minimal when the budget lasts (removing any one item makes the
 * failure go away); when `stillFails` says the budget is spent (`null`), the best so far returns.
 */

/** true: still fails; false: does not; null: out of budget, stop. */
export type Oracle<T> = (subset: T[]) => Promise<boolean | null>;

export async function ddmin<T>(items: readonly T[], stillFails: Oracle<T>): Promise<T[]> {
  let current = [...items];
  if (current.length === 0) return current;
  // The whole list may be unnecessary (the failure needs no step at all).
  const none = await stillFails([]);
  if (none === true) return [];
  if (none === null) return current;
  let granularity = 2;
  while (current.length >= 2) {
    const chunks = split(current, granularity);
    let reduced = false;
    for (const chunk of chunks) {
      const verdict = await stillFails(chunk);
      if (verdict === null) return current;
      if (verdict) {
        current = chunk;
        granularity = 2;
        reduced = true;
        break;
      }
    }
    if (!reduced && granularity > 2) {
      for (let index = 0; index < chunks.length; index++) {
        const complement = chunks.filter((_, other) => other !== index).flat();
        const verdict = await stillFails(complement);
        if (verdict === null) return current;
        if (verdict) {
          current = complement;
          granularity = Math.max(granularity - 1, 2);
          reduced = true;
          break;
        }
      }
    }
    if (reduced) continue;
    if (granularity >= current.length) break;
    granularity = Math.min(granularity * 2, current.length);
  }
  return current;
}

/** `items` cut into `count` contiguous chunks of nearly equal size. */
function split<T>(items: T[], count: number): T[][] {
  const chunks: T[][] = [];
  let start = 0;
  for (let index = 0; index < count; index++) {
    const end = start + Math.floor((items.length - start) / (count - index));
    if (end > start) chunks.push(items.slice(start, end));
    start = end;
  }
  return chunks;
}
