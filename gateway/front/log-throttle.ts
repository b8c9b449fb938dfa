import type { FrontLogger } from './front.ts';

// When Redis is down, every request on the hot path fails the same way. One warning per topic
// per interval (with how many were suppressed) says the same thing without flooding the logs.

export function throttledWarn(logger: FrontLogger | undefined, intervalMs = 5000): (topic: string, err: unknown, msg: string) => void {
  const last = new Map<string, { at: number; suppressed: number }>();
  return (topic, err, msg) => {
    if (logger === undefined) return;
    const now = Date.now();
    const seen = last.get(topic);
    if (seen !== undefined && now - seen.at < intervalMs) {
      seen.suppressed++;
      return;
    }
    logger.warn({ err, topic, suppressed: seen?.suppressed ?? 0 }, msg);
    last.set(topic, { at: now, suppressed: 0 });
  };
}
