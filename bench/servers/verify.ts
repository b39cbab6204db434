// The verification every baseline does: exactly what a webhook must do, nothing more.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const TOKEN = 'BENCHTOKEN000001';

/** Verifies one push body (already parsed) against its X-Goog-Signature; constant-time. */
export function verifyPush(body: unknown, signature: string | undefined): boolean {
  const data = (body as { message?: { data?: unknown } } | undefined)?.message?.data;
  if (typeof data !== 'string' || signature === undefined) return false;
  const expected = createHmac('sha512', TOKEN).update(Buffer.from(data, 'base64')).digest();
  const given = Buffer.from(signature, 'base64');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Tells the parent where the server listens, and its memory when asked. */
export function announce(port: number): void {
  // Over IPC: stdout is the server's own (its log lines go there).
  process.send!({ port });
  process.on('message', (message) => {
    if (message === 'rss') {
      const { rss, heapUsed } = process.memoryUsage();
      process.send!({ rss, heapUsed });
    }
  });
  // Exit normally, so --cpu-prof writes its profile.
  process.once('SIGTERM', () => process.exit(0));
}
