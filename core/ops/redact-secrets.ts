/** The key names redacted at the top of a log line and one level down. */
export const SECRET_KEYS: ReadonlySet<string> = new Set(['clientToken', 'secret', 'signature', 'token', 'accessToken', 'authorization']);

/** The header redacted inside a `headers` object at the top of a log line. */
const SIGNATURE_HEADER = 'x-goog-signature';

/** What a redacted value is replaced with. */
export const CENSOR = '[redacted]';

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** True when `value` (an object one level down) holds a secret key of its own. */
function holdsSecret(value: Record<string, unknown>, header: boolean): boolean {
  for (const key in value) {
    if (Object.hasOwn(value, key) && (SECRET_KEYS.has(key) || (header && key.toLowerCase() === SIGNATURE_HEADER))) return true;
  }
  return false;
}

/**
 * A copy of `value` with its secret keys censored. An Error's copy is an Error of the same
 * class with the same properties (message and stack stay non-enumerable), so pino serializes
 * it as it would the original.
 */
function censored(value: Record<string, unknown>, header: boolean): Record<string, unknown> {
  const copy: Record<string, unknown> =
    value instanceof Error ? Object.defineProperties(Object.create(Object.getPrototypeOf(value) as object) as Record<string, unknown>, Object.getOwnPropertyDescriptors(value)) : { ...value };
  for (const name of Object.keys(copy)) {
    if (SECRET_KEYS.has(name) || (header && name.toLowerCase() === SIGNATURE_HEADER)) copy[name] = CENSOR;
  }
  return copy;
}

/**
 * What `REDACTED_PATHS` says, as one pass over a log line's object: the secret keys at the top
 * and one level down, and `headers["x-goog-signature"]`, replaced with "[redacted]". The line
 * is returned as it is (no copy, nothing allocated) when it holds none, which is every line
 * rbmkit itself writes on the hot path; pino's own `redact` option instead pays per key of
 * every line when a path starts with a wildcard.
 *
 * @example
 * redactSecrets({ kind: 'text', headers: { 'x-goog-signature': 'abc' } }); // { kind: 'text', headers: { 'x-goog-signature': '[redacted]' } }
 */
export function redactSecrets(line: Record<string, unknown>): Record<string, unknown> {
  let copy: Record<string, unknown> | undefined;
  for (const key in line) {
    if (!Object.hasOwn(line, key)) continue;
    if (SECRET_KEYS.has(key)) {
      copy ??= { ...line };
      copy[key] = CENSOR;
      continue;
    }
    const value = line[key];
    if (!isObject(value)) continue;
    const header = key === 'headers';
    if (!holdsSecret(value, header)) continue;
    copy ??= { ...line };
    copy[key] = censored(value, header);
  }
  return copy ?? line;
}
