/**
 * Whether a parsed JSON value is an object (not null, not an array).
 *
 * @example
 * isJsonObject(JSON.parse('{"a":1}')); // true
 */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
