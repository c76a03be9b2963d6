import { isApiError } from '@/lib/api-client';

export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return '—';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

export const slugify = (name: string) =>
  name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64);

/** Readable lines from a 422 `details` value, whatever its exact shape. */
export function describeValidationDetails(details: unknown): string[] {
  if (!Array.isArray(details)) return details == null ? [] : [JSON.stringify(details)];
  return details.map((entry) => {
    if (entry && typeof entry === 'object') {
      const e = entry as { loc?: unknown; field?: unknown; msg?: unknown; message?: unknown };
      const where = Array.isArray(e.loc)
        ? e.loc.filter((p) => p !== 'body').join('.')
        : typeof e.field === 'string'
          ? e.field.replace(/^body\./, '')
          : undefined;
      const what = e.msg ?? e.message;
      if (typeof what === 'string') return where ? `${String(where)}: ${what}` : what;
    }
    return typeof entry === 'string' ? entry : JSON.stringify(entry);
  });
}

/**
 * A 422's `details` as one message per request field: `{field, message}` entries, whether from
 * request validation (`body.base_url`) or a domain refusal (`base_url`). The first one wins.
 */
export function fieldErrors(error: unknown): Record<string, string> {
  if (!isApiError(error) || error.status !== 422 || !Array.isArray(error.details)) return {};
  const found: Record<string, string> = {};
  for (const entry of error.details as unknown[]) {
    const e = (entry ?? {}) as { field?: unknown; message?: unknown };
    if (typeof e.field !== 'string' || typeof e.message !== 'string') continue;
    const field = e.field.replace(/^body\./, '').split('.')[0];
    if (field && !(field in found)) found[field] = e.message;
  }
  return found;
}

/** "1 event", "1,204 events": a count with its noun. */
export const countOf = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString()} ${n === 1 ? one : many}`;
