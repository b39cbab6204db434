import { ConfigError } from '../errors.js';

/**
 * A mount prefix as given (`/rbm`, `/rbm/`) in the form it is matched (`/rbm`); `''` for none.
 * Throws a ConfigError naming what was expected.
 *
 * @example
 * mountPrefix('/rbm/'); // '/rbm'
 */
export function mountPrefix(prefix: string | undefined, where: string): string {
  if (prefix === undefined || prefix === '' || prefix === '/') return '';
  if (!prefix.startsWith('/')) throw new ConfigError(`${where}: prefix: expected a path starting with "/", got ${JSON.stringify(prefix)}`);
  return prefix.replace(/\/+$/, '');
}

/**
 * The path of a request URL below `prefix`, without its query: `/rbm/webhook?x=1` under `/rbm`
 * is `/webhook`. Undefined when the URL is not below the prefix.
 *
 * @example
 * pathBelow('/rbm/webhook?x=1', '/rbm'); // '/webhook'
 */
export function pathBelow(url: string, prefix: string): string | undefined {
  const query = url.indexOf('?');
  const path = query === -1 ? url : url.slice(0, query);
  if (prefix === '') return path;
  if (path !== prefix && !path.startsWith(`${prefix}/`)) return undefined;
  return path.slice(prefix.length) || '/';
}
