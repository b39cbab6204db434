import type { z } from 'zod';
import { ConfigError } from '../errors.js';

/**
 * Turns zod issues into lines `field.path: what was expected` (`(config)` for the whole config),
 * the one format config mistakes are shown in, from code and from a config file alike.
 *
 * @example
 * formatConfigIssues(result.error.issues); // ['partner.path: expected a path starting with "/"…']
 */
export function formatConfigIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.map((issue) => {
    const field = issue.path.length > 0 ? issue.path.map((key) => (key === '' ? '""' : String(key))).join('.') : '(config)';
    // A bad record key: zod's own message is generic, the key schema's says what was expected.
    const message = issue.code === 'invalid_key' && issue.issues.length > 0 ? issue.issues.map((inner) => inner.message).join('; ') : issue.message;
    return `${field}: ${message}`;
  });
}

/**
 * One ConfigError listing every issue, `invalid rbmkit config:` then one indented line each;
 * prefixed with `where: ` (a config file's path) when given.
 *
 * @example
 * throw configIssuesError(result.error.issues, 'rbmkit.yaml'); // rbmkit.yaml: invalid rbmkit config:\n  port: expected…
 */
export function configIssuesError(issues: readonly z.core.$ZodIssue[], where?: string): ConfigError {
  const head = where === undefined ? 'invalid rbmkit config:' : `${where}: invalid rbmkit config:`;
  return new ConfigError(`${head}\n  ${formatConfigIssues(issues).join('\n  ')}`);
}
