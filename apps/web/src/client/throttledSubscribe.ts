/** A store's `subscribe` (as useSyncExternalStore takes it). */
export type Subscribe = (listener: () => void) => () => void;

/**
 * The same subscription, telling each listener at most once per `ms` (and always after the last
 * change: a trailing call). For views that need not repaint every frame: the live flows table at
 * thousands of flows per second redraws ~10 times a second instead of 60, which keeps the new row
 * on screen within ~100 ms at a fraction of the browser's layout, paint and raster work.
 */
export function throttledSubscribe(
  subscribe: Subscribe,
  ms: number,
  now = () => performance.now(),
): Subscribe {
  if (ms <= 0) return subscribe;
  return (listener) => {
    let last = Number.NEGATIVE_INFINITY;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const fire = () => {
      timer = undefined;
      last = now();
      listener();
    };
    const unsubscribe = subscribe(() => {
      if (timer !== undefined) return;
      const wait = last + ms - now();
      if (wait <= 0) fire();
      else timer = setTimeout(fire, wait);
    });
    return () => {
      clearTimeout(timer);
      unsubscribe();
    };
  };
}
