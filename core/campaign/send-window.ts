import { ConfigError } from '../errors.js';

/** Hours of the day a campaign may send in, in a time zone: `09:00`–`20:00` Europe/Paris. */
export interface SendWindow {
  /** `HH:MM`, 24-hour: sending starts. */
  readonly start: string;
  /** `HH:MM`, 24-hour: sending stops (before `start` for a window across midnight). */
  readonly end: string;
  /** An IANA time zone, e.g. `Europe/Paris`. Default UTC. */
  readonly timeZone?: string;
}

const HH_MM = /^([01]\d|2[0-3]):([0-5]\d)$/;
const DAY_MS = 24 * 3_600_000;

function minutesOf(value: string, field: string): number {
  const match = HH_MM.exec(value);
  if (match === null) throw new ConfigError(`window.${field}: expected a time as HH:MM (24-hour), got ${JSON.stringify(value)}`);
  return Number(match[1]) * 60 + Number(match[2]);
}

/** The minutes since midnight of `at` in `timeZone`. */
function localMinutes(at: number, format: Intl.DateTimeFormat): number {
  const parts = format.formatToParts(new Date(at));
  const hour = Number(parts.find((part) => part.type === 'hour')?.value ?? 0) % 24;
  const minute = Number(parts.find((part) => part.type === 'minute')?.value ?? 0);
  return hour * 60 + minute;
}

/**
 * A send window made checkable: `msUntilOpen(now)` is 0 inside it, else how long until it
 * opens (to the minute). Throws a ConfigError naming a malformed time or an unknown time zone.
 *
 * @example
 * const window = sendWindow({ start: '09:00', end: '20:00', timeZone: 'Europe/Paris' });
 * window.msUntilOpen(Date.now()); // 0 during the day in Paris
 */
export function sendWindow(window: SendWindow): { msUntilOpen(now: number): number; describe(): string } {
  const start = minutesOf(window.start, 'start');
  const end = minutesOf(window.end, 'end');
  if (start === end) throw new ConfigError('window: expected start and end to differ (an empty window would never send)');
  const timeZone = window.timeZone ?? 'UTC';
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  } catch {
    throw new ConfigError(`window.timeZone: expected an IANA time zone such as Europe/Paris, got ${JSON.stringify(timeZone)}`);
  }
  const inside = (minutes: number) => (start < end ? minutes >= start && minutes < end : minutes >= start || minutes < end);
  return {
    msUntilOpen(now) {
      if (inside(localMinutes(now, format))) return 0;
      // Minute by minute over real instants, so a change of clocks (DST) on the way counts.
      const firstMinute = now - (now % 60_000) + 60_000;
      for (let at = firstMinute; at <= now + 2 * DAY_MS; at += 60_000) {
        if (inside(localMinutes(at, format))) return Math.max(1_000, at - now);
      }
      return DAY_MS;
    },
    describe: () => `${window.start}-${window.end} ${timeZone}`,
  };
}
