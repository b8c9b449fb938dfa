// Graceful stop of an HTTP port, shared by the POS (uWS) and API (koa) servers. Once the port stops
// accepting, requests already received are answered (with `connection: close`), and so are those
// already on their way over a kept-alive connection: a till that sent a check must learn whether
// it was recorded, and a cut connection tells it nothing. Connections are closed only once no
// request has been in flight or arrived for a short grace period.

/** Long enough for a request already sent on a kept-alive connection to arrive, even over a LAN. */
export const DRAIN_GRACE_MS = 250;

/**
 * Resolves when no request is in flight and none has arrived for `graceMs`, or at `deadline`
 * (epoch ms) whatever is still running. Polls: this runs once per stop, not per request.
 */
export async function settle(inFlight: () => number, received: () => number, graceMs: number, deadline: number): Promise<void> {
  let seen = received();
  let quietSince = Date.now();
  while (Date.now() < deadline) {
    if (inFlight() > 0 || received() !== seen) {
      seen = received();
      quietSince = Date.now();
    } else if (Date.now() - quietSince >= graceMs) {
      return;
    }
    await new Promise((r) => setTimeout(r, Math.min(10, Math.max(1, deadline - Date.now()))));
  }
}
