/**
 * Reads a port number from an environment variable; `fallback` when it is unset or empty.
 *
 * @example
 * envPort({ PORT: '3000' }, 'PORT', 8080); // 3000
 * envPort({}, 'PORT', 8080); // 8080
 */
export function envPort(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const given = env[name];
  if (given === undefined || given.trim() === '') return fallback;
  const port = Number(given);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`${name}: expected a port number 0-65535, got ${JSON.stringify(given)}`);
  return port;
}
