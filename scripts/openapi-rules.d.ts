// Types for openapi-rules.js, which scripts/smoke.js runs with plain Node.

export interface DocumentedOperation {
  method: string;
  path: string;
  operation: any;
}

export function operationsOf(document: any): DocumentedOperation[];

export function openApiProblems(document: any, options: { publicOperationIds: string[]; built?: boolean }): string[];
