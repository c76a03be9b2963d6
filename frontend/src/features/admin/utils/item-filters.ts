import type { ItemStatus } from '@/lib/api-types';

import type { ItemFilters, ItemSort } from '../api/browse-items';

export const ITEM_STATUSES: ItemStatus[] = ['pending', 'ready', 'complete'];
export const ITEM_SORTS: Record<ItemSort, string> = {
  disagreement_desc: 'most disagreement first',
  disagreement_asc: 'least disagreement first',
};

const TEXT_KEYS = ['language', 'model', 'search'] as const;
const NUMBER_KEYS = ['round', 'judgments_min', 'judgments_max'] as const;
const BOOLEAN_KEYS = ['gold', 'has_disagreement'] as const;

const wholeNumber = (value: string | null) => (value !== null && /^\d{1,9}$/.test(value) ? Number(value) : undefined);
const share = (value: string | null) =>
  value !== null && /^(0(\.\d{1,6})?|1(\.0{1,6})?)$/.test(value) ? Number(value) : undefined;
const yesNo = (value: string | null) => (value === 'true' ? true : value === 'false' ? false : undefined);

/** The filters a URL's query names (so a filtered list survives opening an item and coming back); malformed values are left out. */
export function filtersFromParams(params: URLSearchParams): ItemFilters {
  const filters: ItemFilters = {};
  const status = params.get('status');
  if (ITEM_STATUSES.includes(status as ItemStatus)) filters.status = status as ItemStatus;
  for (const key of TEXT_KEYS) {
    const value = params.get(key)?.trim();
    if (value) filters[key] = value;
  }
  for (const key of NUMBER_KEYS) {
    const value = wholeNumber(params.get(key));
    if (value !== undefined) filters[key] = value;
  }
  const minDisagreement = share(params.get('min_disagreement'));
  if (minDisagreement !== undefined) filters.min_disagreement = minDisagreement;
  for (const key of BOOLEAN_KEYS) {
    const value = yesNo(params.get(key));
    if (value !== undefined) filters[key] = value;
  }
  const sort = params.get('sort');
  if (sort !== null && Object.keys(ITEM_SORTS).includes(sort)) filters.sort = sort as ItemSort;
  return filters;
}

/** The query that names `filters`, keys in a fixed order; `extra` (e.g. the tab) is kept. */
export function paramsFromFilters(filters: ItemFilters, extra: Record<string, string> = {}): URLSearchParams {
  const params = new URLSearchParams(extra);
  for (const [key, value] of Object.entries(filters)) {
    if (value !== undefined && value !== '') params.set(key, String(value));
  }
  return params;
}
