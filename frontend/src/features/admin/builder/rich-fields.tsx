import { useId, useState } from 'react';

import { useGroups } from '../api/get-groups';
import { parseJsonObject } from '../utils/json';

import { getIn, isRecord, pathKey, type SpecPath, type SpecValue } from './spec-document';
import { FieldProblems, useSpecEditing } from './spec-fields';

/** Annotator groups by name: every existing group to tick, and any the spec names that no longer exists. */
export function GroupsField({ path, label }: { path: SpecPath; label: string }) {
  const { spec, set } = useSpecEditing();
  const groups = useGroups();
  const value = getIn(spec, path);
  const chosen = Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  const existing = (groups.data ?? []).map((group) => group.name);
  const names = [...existing, ...chosen.filter((name) => !existing.includes(name))];
  const toggle = (name: string, on: boolean) => set(path, on ? [...chosen, name] : chosen.filter((n) => n !== name));
  return (
    <fieldset className="fieldset" data-spec-path={pathKey(path)}>
      <legend>{label}</legend>
      {groups.isPending ? <p className="muted">Loading groups…</p> : null}
      {groups.isError ? <p className="field__error">The groups could not be loaded; names in the YAML are kept.</p> : null}
      {groups.isSuccess && names.length === 0 ? <p className="muted">No annotator groups yet: an admin makes them under Groups.</p> : null}
      <div className="builder-checks">
        {names.map((name) => (
          <label key={name} className="field--check">
            <input type="checkbox" checked={chosen.includes(name)} onChange={(e) => toggle(name, e.target.checked)} /> {name}
            {groups.isSuccess && !existing.includes(name) ? <span className="field__error"> (no such group)</span> : null}
          </label>
        ))}
      </div>
      <FieldProblems path={path} />
    </fieldset>
  );
}

// Up to this many values get a box each; a wider scale takes `value: label` lines.
const MAX_ANCHOR_BOXES = 11;

const anchorLines = (anchors: Record<string, SpecValue>) =>
  Object.entries(anchors)
    .map(([value, label]) => `${value}: ${String(label)}`)
    .join('\n');

function parseAnchorLines(text: string): Record<string, SpecValue> {
  const anchors: Record<string, SpecValue> = {};
  for (const line of text.split('\n')) {
    const match = /^\s*(-?\d+)\s*:\s*(.*\S)\s*$/.exec(line);
    if (match) anchors[String(Number(match[1]))] = match[2];
  }
  return anchors;
}

/** A scale's labelled values (`scale.anchors`), e.g. 0 = "useless" … 4 = "perfect". */
export function AnchorsField({ scale }: { scale: SpecPath }) {
  const { spec, set } = useSpecEditing();
  const path = [...scale, 'anchors'];
  const value = getIn(spec, path);
  const anchors = isRecord(value) ? value : {};
  const min = Number(getIn(spec, [...scale, 'min']) ?? 0);
  const max = Number(getIn(spec, [...scale, 'max']) ?? 4);
  const [text, setText] = useState(() => anchorLines(anchors));
  const id = useId();
  const boxes = Number.isInteger(min) && Number.isInteger(max) && max >= min && max - min < MAX_ANCHOR_BOXES;
  if (!boxes) {
    const current = JSON.stringify(parseAnchorLines(text)) === JSON.stringify(anchors) ? text : anchorLines(anchors);
    return (
      <div className="field builder-anchors" data-spec-path={pathKey(path)}>
        <label htmlFor={id}>Labelled values (value: label, one per line)</label>
        <textarea
          id={id}
          rows={3}
          value={current}
          onChange={(e) => {
            setText(e.target.value);
            set(path, parseAnchorLines(e.target.value));
          }}
        />
        <FieldProblems path={path} />
      </div>
    );
  }
  // Labels for values outside the scale stay visible, so they can be cleared.
  const values = [...new Set([...Array.from({ length: max - min + 1 }, (_, i) => min + i), ...Object.keys(anchors).map(Number)])].sort((a, b) => a - b);
  return (
    <fieldset className="fieldset builder-anchors" data-spec-path={pathKey(path)}>
      <legend>Labelled values (optional)</legend>
      <div className="form-grid">
        {values.map((v) => (
          <div className="field" key={v}>
            <label htmlFor={`${id}-${v}`}>{v < min || v > max ? `Label for ${v} (outside the scale)` : `Label for ${v}`}</label>
            <input
              id={`${id}-${v}`}
              value={typeof anchors[String(v)] === 'string' ? (anchors[String(v)] as string) : ''}
              onChange={(e) => {
                const next = { ...anchors };
                if (e.target.value) next[String(v)] = e.target.value;
                else delete next[String(v)];
                set(path, next);
              }}
            />
          </div>
        ))}
      </div>
      <FieldProblems path={path} />
    </fieldset>
  );
}

/** A JSON object (e.g. sampling parameters); text that is not one stays here, unsaved, with why. */
export function JsonObjectField({ path, label, hint }: { path: SpecPath; label: string; hint?: string }) {
  const { spec, set } = useSpecEditing();
  const value = getIn(spec, path);
  const stored = isRecord(value) ? value : {};
  const shown = Object.keys(stored).length ? JSON.stringify(stored) : '';
  const [text, setText] = useState(shown);
  const [error, setError] = useState<string | null>(null);
  const parsed = parseJsonObject(text);
  const current = parsed.ok && JSON.stringify(parsed.value ?? {}) === JSON.stringify(stored) ? text : error ? text : shown;
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        className="mono"
        value={current}
        data-spec-path={pathKey(path)}
        aria-invalid={Boolean(error)}
        aria-describedby={`${id}-error`}
        onChange={(e) => {
          setText(e.target.value);
          const next = parseJsonObject(e.target.value);
          setError(next.ok ? null : next.error);
          if (next.ok) set(path, (next.value ?? {}) as { [key: string]: SpecValue });
        }}
      />
      {hint ? <small>{hint}</small> : null}
      {error ? (
        <small className="field__error" id={`${id}-error`}>
          {error}
        </small>
      ) : null}
      <FieldProblems path={path} />
    </div>
  );
}
