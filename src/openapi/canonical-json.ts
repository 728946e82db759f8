/**
 * The text a document is committed as (`openapi/<dialect>.json`): two-space indent and a final
 * newline. Keys keep the order the code gives them (paths in route order, properties in
 * declaration order, the default example first, as Swagger UI shows them), which is the same on
 * every run; the drift test compares this text, so a reordering shows as drift too.
 */
export function canonicalJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
