/**
 * What the dashboard reads into the session figures: when a response counts as slow, and the
 * rates of a time-series bucket (the API gives counts per bucket; the shares are ours).
 */
import type { TimeseriesBucket } from '@switchboard/contracts';

/** An agent response at or above this is slow: highlighted in the transcript and the tables. */
export const SLOW_RESPONSE_MS = 3_000;

export const isSlow = (latencyMs: number | null | undefined): boolean =>
  latencyMs !== null && latencyMs !== undefined && latencyMs >= SLOW_RESPONSE_MS;

/** Failed ÷ ended sessions started in the bucket; null when none of them has ended. */
export function bucketFailureRate(b: TimeseriesBucket): number | null {
  const ended = b.byStatus.completed + b.byStatus.failed + b.byStatus.cancelled;
  return ended ? b.failed / ended : null;
}

/** Handoffs ÷ sessions started in the bucket; null without sessions. */
export function bucketHandoffRate(b: TimeseriesBucket): number | null {
  return b.total ? b.handoffs / b.total : null;
}
