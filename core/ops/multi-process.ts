import cluster from 'node:cluster';

/**
 * Why this process looks like one of several serving the same webhooks, or undefined: a
 * cluster worker, a pm2 instance, WEB_CONCURRENCY above 1, or RBMKIT_INSTANCES above 1.
 *
 * @example
 * multiProcessHint({ WEB_CONCURRENCY: '4' }); // 'WEB_CONCURRENCY=4'
 */
export function multiProcessHint(env: NodeJS.ProcessEnv = process.env, isWorker = cluster.isWorker): string | undefined {
  if (isWorker) return 'this is a node:cluster worker';
  if (env.NODE_APP_INSTANCE !== undefined) return `NODE_APP_INSTANCE=${env.NODE_APP_INSTANCE} (pm2 cluster mode)`;
  for (const name of ['WEB_CONCURRENCY', 'RBMKIT_INSTANCES']) {
    const count = Number(env[name]);
    if (Number.isFinite(count) && count > 1) return `${name}=${env[name]}`;
  }
  return undefined;
}
