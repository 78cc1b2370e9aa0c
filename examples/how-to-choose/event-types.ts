/** Idem's retry-safety contract of an event type (see the README's "Entity state"). */
export interface RetrySafety {
  semantics: 'state' | 'delta';
  entity: string;
  entityIdPath: string;
  versionPath?: string;
  ordering?: 'none' | 'entity';
  onExhausted?: 'skip' | 'block';
}

/**
 * Creates or updates an event type, with its contract if it has one, once at deploy (a `PUT`: run it as
 * often as you like). Plain JSON, because the svix client drops the Idem extension field it does not know.
 */
export async function declareEventType(idemUrl: string, token: string, name: string, description: string, retrySafety?: RetrySafety): Promise<void> {
  const response = await fetch(`${idemUrl}/api/v1/event-type/${encodeURIComponent(name)}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ description, retrySafety }),
  });
  if (!response.ok) throw new Error(`PUT event type ${name}: ${response.status} ${await response.text()}`);
}
