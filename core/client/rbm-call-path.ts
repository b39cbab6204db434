import { RBM_CALLS, type RbmCallName, type RbmPathParams } from './rbm-calls.js';

/** A path template split once: the text between placeholders, their names, and a pattern that matches it. */
interface CompiledPath {
  /** One more than `names`: the text before, between and after the placeholders. */
  readonly literals: readonly string[];
  readonly names: readonly string[];
  readonly pattern: RegExp;
}

const PLACEHOLDER = /\{([A-Za-z]+)\}/g;
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function compile(template: string): CompiledPath {
  const literals = template.split(PLACEHOLDER).filter((_, index) => index % 2 === 0);
  const names = [...template.matchAll(PLACEHOLDER)].map((match) => match[1]!);
  const pattern = new RegExp(`^${literals.map(escapeRegExp).join('([^/]+)')}$`);
  return { literals, names, pattern };
}

const COMPILED = Object.fromEntries(Object.entries(RBM_CALLS).map(([name, call]) => [name, compile(call.path)])) as Readonly<Record<RbmCallName, CompiledPath>>;
const NAMES = Object.keys(RBM_CALLS) as RbmCallName[];

/**
 * The path of a call of {@link RBM_CALLS}, its placeholders filled: a `{phone}` (a checked
 * E.164 number) as is, since Google's paths carry its '+'; any other value escaped.
 *
 * @example
 * rbmCallPath('revokeMessage', { phone: '+12223334444', messageId: 'a/b' }); // '/v1/phones/+12223334444/agentMessages/a%2Fb'
 */
export function rbmCallPath<C extends RbmCallName>(call: C, params: RbmPathParams<C>): string {
  const { literals, names } = COMPILED[call];
  const values = params as Readonly<Record<string, string>>;
  let path = literals[0]!;
  for (let index = 0; index < names.length; index += 1) {
    const name = names[index]!;
    const value = values[name]!;
    path += `${name === 'phone' ? value : encodeURIComponent(value)}${literals[index + 1]!}`;
  }
  return path;
}

/**
 * Which call of {@link RBM_CALLS} an HTTP method and path are, and the values of its
 * placeholders as they arrived (still escaped: decoding a malformed one is the caller's
 * refusal to make); undefined when none is.
 *
 * @example
 * matchRbmCall('DELETE', '/v1/phones/+12223334444/agentMessages/m-1');
 * // { call: 'revokeMessage', params: { phone: '+12223334444', messageId: 'm-1' } }
 */
export function matchRbmCall(http: string, path: string): { readonly call: RbmCallName; readonly params: Readonly<Record<string, string>> } | undefined {
  for (const call of NAMES) {
    if (RBM_CALLS[call].http !== http) continue;
    const { names, pattern } = COMPILED[call];
    const match = pattern.exec(path);
    if (match === null) continue;
    const params: Record<string, string> = {};
    names.forEach((name, index) => (params[name] = match[index + 1]!));
    return { call, params };
  }
  return undefined;
}
