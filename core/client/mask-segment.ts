/**
 * `path` with the segment after the first `prefix` (e.g. `/phones/`) written `*`: the same as
 * `path.replace(/\/phones\/[^/]+/, '/phones/*')`, without a regular expression run on every
 * call's metrics record.
 *
 * @example
 * maskSegment('/v1/phones/+12223334444', '/phones/'); // '/v1/phones/*'
 */
export function maskSegment(path: string, prefix: string): string {
  for (let at = path.indexOf(prefix); at !== -1; at = path.indexOf(prefix, at + 1)) {
    const start = at + prefix.length;
    // The regex needs one character or more that is not a slash.
    if (start >= path.length || path.charCodeAt(start) === 47) continue;
    const end = path.indexOf('/', start);
    return `${path.slice(0, start)}*${end === -1 ? '' : path.slice(end)}`;
  }
  return path;
}
