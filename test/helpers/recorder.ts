import { definePlugin, type RbmEvent, type RejectedNotice, type FailedNotice } from 'rbmkit';

/** A plugin that records what it sees, per agent, for assertions. */
export function recorder(name = 'recorder') {
  const seen: Array<{ agent: string; event: RbmEvent }> = [];
  const rejected: Array<{ agent: string; notice: RejectedNotice }> = [];
  const failed: Array<{ agent: string; notice: FailedNotice }> = [];
  const plugin = definePlugin({
    name,
    setup(agent) {
      agent.on('any', (event) => void seen.push({ agent: agent.id, event }));
      agent.on('rejected', (notice) => void rejected.push({ agent: agent.id, notice }));
      agent.on('failed', (notice) => void failed.push({ agent: agent.id, notice }));
    },
  });
  return { plugin, seen, rejected, failed };
}

/** Resolves when `check` is true, polling; fails after `ms`. */
export async function eventually(check: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
