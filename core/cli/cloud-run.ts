/**
 * How long handlers may run on after SIGTERM on Cloud Run, which kills the instance 10 s after
 * it: 6 s for handlers, then up to 2 s for the answers in flight, and the rest for plugin
 * teardowns and closing the stores.
 */
export const CLOUD_RUN_SHUTDOWN_MS = 6_000;

/**
 * True when the process runs as a Cloud Run service or a Cloud Run function (both set `K_SERVICE`).
 *
 * @example
 * if (onCloudRun(process.env)) config = { shutdownTimeoutMs: CLOUD_RUN_SHUTDOWN_MS, ...config };
 */
export function onCloudRun(env: NodeJS.ProcessEnv): boolean {
  return (env.K_SERVICE ?? '') !== '';
}
