/** Time in the demo is whole seconds since the Unix epoch (UTC); days are whole days since the epoch. */
export const DAY = 86_400;
export const HOUR = 3_600;
export const MINUTE = 60;

/** The span every generated event falls in: [start, end). */
export interface TimeWindow {
  start: number;
  end: number;
}

/** The demo covers two years of activity. */
const WINDOW_DAYS = 730;

export function timeWindowEndingAt(end: Date): TimeWindow {
  const endSeconds = Math.floor(end.getTime() / 1000);
  return { start: endSeconds - WINDOW_DAYS * DAY, end: endSeconds };
}

export function dayOf(seconds: number): number {
  return Math.floor(seconds / DAY);
}

export function isWeekend(day: number): boolean {
  // 1970-01-01 was a Thursday.
  const weekday = (((day + 4) % 7) + 7) % 7;
  return weekday === 0 || weekday === 6;
}

/** The calendar month (1-12) and day of month of a day number. */
export function monthAndDay(day: number): { month: number; dayOfMonth: number } {
  const date = new Date(day * DAY * 1000);
  return { month: date.getUTCMonth() + 1, dayOfMonth: date.getUTCDate() };
}

function formatSlow(seconds: number): string {
  return new Date(seconds * 1000).toISOString().slice(0, 19).replace('T', ' ');
}

const two = (n: number): string => (n < 10 ? `0${n}` : String(n));

/**
 * Formats `YYYY-MM-DD HH:MM:SS`. Every event carries a timestamp, and Date#toISOString per event would be a large
 * share of the generation time, so the day part and the time-of-day part come from tables built once.
 */
export class TimestampFormatter {
  private readonly firstDay: number;
  private readonly dayTexts: string[] = [];
  private readonly timeTexts: string[] = [];

  constructor(firstDay: number, lastDay: number) {
    this.firstDay = firstDay;
    for (let day = firstDay; day <= lastDay; day++) this.dayTexts.push(formatSlow(day * DAY).slice(0, 11));
    for (let h = 0; h < 24; h++) {
      for (let m = 0; m < 60; m++) {
        const prefix = `${two(h)}:${two(m)}:`;
        for (let s = 0; s < 60; s++) this.timeTexts.push(prefix + two(s));
      }
    }
  }

  format(seconds: number): string {
    const whole = Math.floor(seconds);
    const day = Math.floor(whole / DAY);
    const dayText = this.dayTexts[day - this.firstDay];
    const timeText = this.timeTexts[whole - day * DAY];
    if (dayText === undefined || timeText === undefined) return formatSlow(whole);
    return dayText + timeText;
  }
}
