/**
 * Time as the exchange writes it (RFC 3339 with an offset, Beijing time) and the handler's case
 * clock (办理时限) in working days. This partner counts Monday to Friday as working days; it has
 * no holiday calendar (a real province loads its own).
 */

const BEIJING_MS = 8 * 3600 * 1000;

/** RFC 3339 with +08:00 and whole seconds, e.g. 2026-11-30T22:15:02+08:00. */
export function rfc3339(at: Date): string {
  return new Date(at.getTime() + BEIJING_MS).toISOString().slice(0, 19) + "+08:00";
}

/** The Beijing calendar date of an instant, YYYY-MM-DD. */
export function beijingDate(at: Date): string {
  return new Date(at.getTime() + BEIJING_MS).toISOString().slice(0, 10);
}

const WITH_OFFSET = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** The instant of an RFC 3339 date-time that carries an offset; undefined otherwise. */
export function parseWithOffset(text: unknown): Date | undefined {
  if (typeof text !== "string" || !WITH_OFFSET.test(text)) return undefined;
  const at = new Date(text);
  return Number.isNaN(at.getTime()) ? undefined : at;
}

function isWorkingDay(date: string): boolean {
  const day = new Date(date + "T00:00:00Z").getUTCDay();
  return day !== 0 && day !== 6;
}

function nextDay(date: string): string {
  return new Date(Date.parse(date + "T00:00:00Z") + 86400000).toISOString().slice(0, 10);
}

/** The date `days` working days after `start` (0: `start` itself). */
export function addWorkingDays(start: string, days: number): string {
  let date = start;
  for (let left = days; left > 0; ) {
    date = nextDay(date);
    if (isWorkingDay(date)) left--;
  }
  return date;
}

/** Working days after `from` up to and including `to` (0 when `to` ≤ `from`). */
export function workingDaysBetween(from: string, to: string): number {
  let count = 0;
  for (let date = from; date < to; ) {
    date = nextDay(date);
    if (isWorkingDay(date)) count++;
  }
  return count;
}

export interface Pause {
  kind: "supplement" | "suspension";
  start: string;
  end: string | null;
}

/** The case clock as a handler reports it (spec § 8.3, schema `CaseClock`). */
export function caseClock(
  statutoryDays: number,
  promisedDays: number,
  startedOn: string | null,
  pauses: Pause[],
  today: string,
): Record<string, unknown> {
  if (startedOn === null) {
    return {
      statutory_days: statutoryDays,
      promised_days: promisedDays,
      started_on: null,
      pauses,
      promised_due: null,
      statutory_due: null,
      provisional: false,
      provisional_years: [],
      used_days: 0,
      warned: false,
      overdue: false,
    };
  }
  const paused = pauses.reduce((sum, p) => sum + workingDaysBetween(p.start, p.end ?? today), 0);
  const used = Math.max(workingDaysBetween(startedOn, today) - paused, 0);
  const promisedDue = addWorkingDays(startedOn, promisedDays + paused);
  return {
    statutory_days: statutoryDays,
    promised_days: promisedDays,
    started_on: startedOn,
    pauses,
    promised_due: promisedDue,
    statutory_due: addWorkingDays(startedOn, statutoryDays + paused),
    provisional: false,
    provisional_years: [],
    used_days: used,
    warned: false,
    overdue: today > promisedDue && pauses.every((p) => p.end !== null),
  };
}
