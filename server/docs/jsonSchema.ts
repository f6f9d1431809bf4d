import { z } from 'zod';

/**
 * JSON Schema (draft 2020-12, the dialect of OpenAPI 3.1) of what a peer sends (`input`: before defaults and
 * transforms) or receives (`output`), without the `$schema` marker. What JSON Schema cannot express (custom checks)
 * becomes "any value" rather than an error.
 */
export function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
}
