import { ArrayMaxSize, IsArray, IsObject, IsOptional, IsString } from 'class-validator';

/**
 * Svix's `EndpointHeadersIn`: the complete set, replacing the current one. Each header is judged by the
 * endpoints service, which names it in a 422 (`["body", "headers", "<name>"]`).
 */
export class EndpointHeadersIn {
  @IsObject()
  headers: Record<string, string>;
}

/** Svix's `EndpointHeadersPatchIn`: headers to set; a null value, or a name in `deleteHeaders`, removes one. */
export class EndpointHeadersPatchIn {
  @IsObject()
  headers: Record<string, string | null>;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  deleteHeaders?: string[];
}

/** Svix's `EndpointHeadersOut`: the values of sensitive headers (`Authorization` and the like) are left out, their names listed. */
export class EndpointHeadersOut {
  headers: Record<string, string>;
  sensitive: string[];
}
