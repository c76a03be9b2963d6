import { useState, type FormEvent } from 'react';

import type { ItemStatus } from '@/lib/api-types';

import type { ItemFilters, ItemSort } from '../api/browse-items';
import { ITEM_SORTS, ITEM_STATUSES } from '../utils/item-filters';

type Draft = Record<keyof ItemFilters, string>;

const toDraft = (filters: ItemFilters): Draft => ({
  status: filters.status ?? '',
  round: filters.round?.toString() ?? '',
  language: filters.language ?? '',
  gold: filters.gold === undefined ? '' : String(filters.gold),
  has_disagreement: filters.has_disagreement === undefined ? '' : String(filters.has_disagreement),
  min_disagreement: filters.min_disagreement?.toString() ?? '',
  judgments_min: filters.judgments_min?.toString() ?? '',
  judgments_max: filters.judgments_max?.toString() ?? '',
  model: filters.model ?? '',
  search: filters.search ?? '',
  sort: filters.sort ?? '',
});

const count = (value: string) => (value.trim() === '' ? undefined : Number(value));
const text = (value: string) => value.trim() || undefined;
const yesNo = (value: string) => (value === '' ? undefined : value === 'true');

function fromDraft(draft: Draft): ItemFilters {
  return {
    status: (draft.status || undefined) as ItemStatus | undefined,
    round: count(draft.round),
    language: text(draft.language),
    gold: yesNo(draft.gold),
    has_disagreement: yesNo(draft.has_disagreement),
    min_disagreement: count(draft.min_disagreement),
    judgments_min: count(draft.judgments_min),
    judgments_max: count(draft.judgments_max),
    model: text(draft.model),
    search: text(draft.search),
    sort: (draft.sort || undefined) as ItemSort | undefined,
  };
}

/** The item filters; `onApply` gets them when the form is submitted (not on every keystroke). */
export function ItemFilterBar({ filters, onApply }: { filters: ItemFilters; onApply: (filters: ItemFilters) => void }) {
  const [draft, setDraft] = useState(() => toDraft(filters));
  const set = (key: keyof Draft) => (event: { target: { value: string } }) => setDraft({ ...draft, [key]: event.target.value });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onApply(fromDraft(draft));
  };
  return (
    <form className="form form--inline" aria-label="Item filters" onSubmit={submit}>
      <div className="field field--short">
        <label htmlFor="filter-status">Status</label>
        <select id="filter-status" value={draft.status} onChange={set('status')}>
          <option value="">any</option>
          {ITEM_STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </div>
      <div className="field field--short">
        <label htmlFor="filter-round">Round</label>
        <input id="filter-round" type="number" min={0} value={draft.round} onChange={set('round')} />
      </div>
      <div className="field field--short">
        <label htmlFor="filter-language">Language</label>
        <input id="filter-language" maxLength={35} value={draft.language} onChange={set('language')} placeholder="en" />
      </div>
      <div className="field field--short">
        <label htmlFor="filter-gold">Gold</label>
        <select id="filter-gold" value={draft.gold} onChange={set('gold')}>
          <option value="">any</option>
          <option value="true">gold only</option>
          <option value="false">not gold</option>
        </select>
      </div>
      <div className="field field--short">
        <label htmlFor="filter-disagreement">Disagreement</label>
        <select id="filter-disagreement" value={draft.has_disagreement} onChange={set('has_disagreement')}>
          <option value="">any</option>
          <option value="true">judgments disagree</option>
          <option value="false">no disagreement</option>
        </select>
      </div>
      <div className="field field--short">
        <label htmlFor="filter-min-disagreement">Disagreement ≥</label>
        <input
          id="filter-min-disagreement"
          type="number"
          min={0}
          max={1}
          step={0.05}
          value={draft.min_disagreement}
          onChange={set('min_disagreement')}
          title="0: every annotator agreed; 1: votes spread as evenly as they can be"
        />
      </div>
      <div className="field field--short">
        <label htmlFor="filter-judgments-min">Judgments ≥</label>
        <input id="filter-judgments-min" type="number" min={0} value={draft.judgments_min} onChange={set('judgments_min')} />
      </div>
      <div className="field field--short">
        <label htmlFor="filter-judgments-max">Judgments ≤</label>
        <input id="filter-judgments-max" type="number" min={0} value={draft.judgments_max} onChange={set('judgments_max')} />
      </div>
      <div className="field field--short">
        <label htmlFor="filter-model">Model</label>
        <input id="filter-model" maxLength={200} value={draft.model} onChange={set('model')} />
      </div>
      <div className="field field--short">
        <label htmlFor="filter-search">External id</label>
        <input id="filter-search" type="search" maxLength={200} value={draft.search} onChange={set('search')} />
      </div>
      <div className="field field--short">
        <label htmlFor="filter-sort">Order</label>
        <select id="filter-sort" value={draft.sort} onChange={set('sort')}>
          <option value="">by id</option>
          {Object.entries(ITEM_SORTS).map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
      </div>
      <div className="form__actions">
        <button type="submit" className="button button--primary">
          Apply filters
        </button>
      </div>
    </form>
  );
}
