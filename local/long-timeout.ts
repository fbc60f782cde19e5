/**
 * setTimeout for any delay: Node fires a timer of more than 2^31-1 ms (about 24.8 days) at once,
 * and an SSM approval may wait 30 days. Chains shorter timers instead.
 */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface LongTimeout {
  clear(): void;
}

export function longTimeout(callback: () => void, delayMs: number): LongTimeout {
  const deadline = Date.now() + delayMs;
  let timer: NodeJS.Timeout;
  const arm = () => {
    const remaining = deadline - Date.now();
    timer = remaining > MAX_TIMER_MS ? setTimeout(arm, MAX_TIMER_MS) : setTimeout(callback, Math.max(0, remaining));
  };
  arm();
  return { clear: () => clearTimeout(timer) };
}
