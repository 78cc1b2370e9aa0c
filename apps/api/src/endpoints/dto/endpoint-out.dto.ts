import { EndpointEntity } from '@app/persistence';

/** Svix's `EndpointOut`, plus Idem's `disabledReason`. Never carries the signing secret. */
export class EndpointOut {
  id: string;
  uid: string | null;
  url: string;
  description: string;
  version: number;
  disabled: boolean;
  /** Why Idem disabled the endpoint (410 Gone, or failing for IDEM_DISABLE_AFTER); null otherwise. */
  disabledReason: string | null;
  filterTypes: string[] | null;
  channels: string[] | null;
  metadata: Record<string, string>;
  rateLimit: number | null;
  throttleRate: number | null;
  createdAt: string;
  updatedAt: string;
}

export function toEndpointOut(endpoint: EndpointEntity): EndpointOut {
  return {
    id: endpoint.id,
    uid: endpoint.uid,
    url: endpoint.url,
    description: endpoint.description,
    version: endpoint.version,
    disabled: endpoint.disabled,
    disabledReason: endpoint.disabledReason,
    filterTypes: endpoint.filterTypes,
    channels: endpoint.channels,
    metadata: endpoint.metadata,
    rateLimit: endpoint.rateLimit,
    throttleRate: endpoint.rateLimit,
    createdAt: endpoint.createdAt.toISOString(),
    updatedAt: endpoint.updatedAt.toISOString(),
  };
}
