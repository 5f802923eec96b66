/** Numbers and dates as the pages show them: English separators, no currency symbol (the store keeps none). */
export const count = (n: number): string => n.toLocaleString('en');
export const money = (n: number): string => n.toLocaleString('en', { maximumFractionDigits: n >= 1000 ? 0 : 2 });
export const percent = (share: number | null): string => (share === null ? '–' : `${(share * 100).toLocaleString('en', { maximumFractionDigits: 1 })}%`);
/** `2026-11-01 00:00:00` → `2026-11-01`; run dates are whole days. */
export const day = (timestamp: string): string => timestamp.slice(0, 10);

/** How long ago a UTC timestamp (`YYYY-MM-DD HH:MM:SS`) was, in words. */
export function ago(timestamp: string, now = Date.now()): string {
  const seconds = Math.max(0, (now - Date.parse(`${timestamp.replace(' ', 'T')}Z`)) / 1000);
  const units: Array<[string, number]> = [
    ['day', 86_400],
    ['hour', 3_600],
    ['minute', 60],
  ];
  for (const [name, size] of units) {
    const n = Math.floor(seconds / size);
    if (n >= 1) return `${n} ${name}${n === 1 ? '' : 's'} ago`;
  }
  return 'just now';
}
