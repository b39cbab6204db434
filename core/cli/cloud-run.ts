/**
 * How long shutdown may take on Cloud Run: it sends SIGTERM and kills the instance 10 s later,
 * so handlers get 8 s and the answers and stores the rest.
 */
export const CLOUD_RUN_SHUTDOWN_MS = 8_000;

/**
 * True when the process runs on Cloud Run (services, jobs and functions set `K_SERVICE`).
 *
 * @example
 * if (onCloudRun(process.env)) config = { shutdownTimeoutMs: CLOUD_RUN_SHUTDOWN_MS, ...config };
 */
export function onCloudRun(env: NodeJS.ProcessEnv): boolean {
  return (env.K_SERVICE ?? '') !== '';
}
