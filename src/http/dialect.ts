import type { ExceptionFilter, Type } from '@nestjs/common';

/**
 * What the application needs to know of a dialect, and nothing more: its module (for the OpenAPI
 * document), and which requests are its own, so that errors raised before any controller runs
 * (malformed JSON, a body too large, an unknown path) are still answered in its shape.
 */
export interface DialectDefinition {
  /** Short name: the OpenAPI document is served at /docs/<name>.json. */
  name: string;
  title: string;
  description: string;
  module: Type<unknown>;
  filter: ExceptionFilter;
  owns(method: string, path: string): boolean;
}
