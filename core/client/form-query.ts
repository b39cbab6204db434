/** Characters the form encoding leaves as they are (WHATWG application/x-www-form-urlencoded). */
const PLAIN = /^[A-Za-z0-9*\-._]*$/;
/** What encodeURIComponent leaves alone or writes otherwise than the form encoding does. */
const DIFFERENT = /[!'()~]|%20/g;
const formEscape = (match: string) => (match === '%20' ? '+' : `%${match.charCodeAt(0).toString(16).toUpperCase()}`);

/** Values escaped lately (agent ids, in practice: ids need no escaping), at most 256, forgotten all at once when full. */
const escaped = new Map<string, string>();

function formEncode(text: string): string {
  if (PLAIN.test(text)) return text;
  let encoded = escaped.get(text);
  if (encoded === undefined) {
    encoded = encodeURIComponent(text).replace(DIFFERENT, formEscape);
    if (escaped.size >= 256) escaped.clear();
    escaped.set(text, encoded);
  }
  return encoded;
}

/**
 * A query's text exactly as `new URLSearchParams(query).toString()` writes it, without the
 * URLSearchParams object, its list and its map: each API call builds one (ids and agentId),
 * and ids need no escaping at all. Anything unusual (a lone surrogate) goes through
 * URLSearchParams itself.
 *
 * @example
 * formQuery({ messageId: 'm-1', agentId: 'shop@rbm.goog' }); // 'messageId=m-1&agentId=shop%40rbm.goog'
 */
export function formQuery(query: Readonly<Record<string, string>>): string {
  let text = '';
  try {
    for (const key of Object.keys(query)) {
      text += `${text === '' ? '' : '&'}${formEncode(key)}=${formEncode(String(query[key]))}`;
    }
  } catch {
    // encodeURIComponent throws on a lone surrogate; URLSearchParams writes U+FFFD for it.
    return new URLSearchParams(query).toString();
  }
  return text;
}
