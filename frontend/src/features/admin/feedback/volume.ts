import type { DayVolume } from '@/lib/api-types';

const DAY_MS = 86_400_000;

/** Every UTC day of the window ending `today`, oldest first, with zeros where nothing arrived
 * (the API lists only days that had events). */
export function dailyVolume(volume: DayVolume[], days: number, today: Date = new Date()): DayVolume[] {
  const byDay = new Map(volume.map((v) => [v.day, v]));
  const end = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
  return Array.from({ length: days }, (_, i) => {
    const day = new Date(end - (days - 1 - i) * DAY_MS).toISOString().slice(0, 10);
    return byDay.get(day) ?? { day, events: 0, conversations: 0 };
  });
}
