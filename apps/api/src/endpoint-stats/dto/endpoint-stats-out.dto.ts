import { DeliveryStatus, svixStatusOfDelivery, SvixMessageStatus } from '@app/core';
import { AttemptBucket, AttemptFigures } from '@app/persistence';
import { ApiProperty } from '@nestjs/swagger';

/** Svix's `EndpointStats`: deliveries to the endpoint of the messages accepted in the window, by status. */
export class EndpointStatsCounts {
  success: number;
  pending: number;
  sending: number;
  fail: number;
  canceled: number;
}

/** How the endpoint's attempts went over a recent span of time. */
export class AttemptWindowOut {
  success: number;
  fail: number;
  /** success / (success + fail); null when there was no attempt. */
  successRate: number | null;
  /** Response time percentiles in milliseconds, interpolated; null when there was no attempt. */
  p50Ms: number | null;
  p99Ms: number | null;
}

export class AttemptSeriesPointOut {
  /** The start of the hour this point covers. */
  start: string;
  success: number;
  fail: number;
  p50Ms: number | null;
}

/**
 * Svix's `EndpointStats`, plus Idem's `idemStatuses` (the same deliveries by Idem's own status),
 * `windows` (the attempts of the last hour and the last 24 hours, rolling) and `series` (the attempts of
 * each of the last 24 clock hours, the current one included).
 */
export class EndpointStatsOut extends EndpointStatsCounts {
  @ApiProperty({
    description:
      "Idem extension: the deliveries Svix's figures count, by Idem's status (Svix's `success` is `succeeded` + `stale`, " +
      '`pending` is `pending` + `queued`, `fail` is `failed` + `blocked`, `canceled` is `canceled` + `superseded`)',
    type: 'object',
    properties: Object.fromEntries(Object.values(DeliveryStatus).map((status) => [status, { type: 'integer', minimum: 0 }])),
    required: Object.values(DeliveryStatus),
  })
  idemStatuses: Record<DeliveryStatus, number>;
  windows: { hour: AttemptWindowOut; day: AttemptWindowOut };
  series: AttemptSeriesPointOut[];
}

const FIELD_OF_STATUS: Readonly<Record<SvixMessageStatus, keyof EndpointStatsCounts>> = {
  [SvixMessageStatus.Success]: 'success',
  [SvixMessageStatus.Pending]: 'pending',
  [SvixMessageStatus.Sending]: 'sending',
  [SvixMessageStatus.Fail]: 'fail',
  [SvixMessageStatus.Canceled]: 'canceled',
};

/** Svix's figures, each Idem status counted as the Svix status it shows as, and Idem's own, every status present. */
export function toEndpointStatsCounts(countByStatus: ReadonlyMap<DeliveryStatus, number>): Pick<EndpointStatsOut, keyof EndpointStatsCounts | 'idemStatuses'> {
  const counts: EndpointStatsCounts = { success: 0, pending: 0, sending: 0, fail: 0, canceled: 0 };
  const idemStatuses = Object.fromEntries(Object.values(DeliveryStatus).map((status) => [status, 0])) as Record<DeliveryStatus, number>;
  for (const [status, count] of countByStatus) {
    counts[FIELD_OF_STATUS[svixStatusOfDelivery(status)]] += count;
    idemStatuses[status] += count;
  }
  return { ...counts, idemStatuses };
}

export function toAttemptWindowOut(figures: AttemptFigures): AttemptWindowOut {
  const total = figures.success + figures.fail;
  return {
    success: figures.success,
    fail: figures.fail,
    successRate: total === 0 ? null : figures.success / total,
    p50Ms: figures.p50Ms,
    p99Ms: figures.p99Ms,
  };
}

export function toAttemptSeriesPointOut(bucket: AttemptBucket): AttemptSeriesPointOut {
  return { start: bucket.start.toISOString(), success: bucket.success, fail: bucket.fail, p50Ms: bucket.p50Ms };
}
