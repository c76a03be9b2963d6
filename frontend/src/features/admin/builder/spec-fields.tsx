import { createContext, useContext, useId, useState, type ReactNode } from 'react';

import { getIn, isRecord, pathKey, type SpecDocument, type SpecPath, type SpecValue } from './spec-document';

export type SpecEditing = {
  spec: SpecDocument;
  set: (path: SpecPath, value: SpecValue | undefined) => void;
  move: (path: SpecPath, from: number, to: number) => void;
  /** The server's problems, by the form field they belong to (`questions.0.prompt`). */
  problems: Record<string, string[]>;
};

export const SpecEditingContext = createContext<SpecEditing | null>(null);

export function useSpecEditing(): SpecEditing {
  const editing = useContext(SpecEditingContext);
  if (!editing) throw new Error('spec fields need a SpecEditingContext');
  return editing;
}

/** The problems found at `path`, right where the field is. */
export function FieldProblems({ path, id }: { path: SpecPath; id?: string }) {
  const messages = useSpecEditing().problems[pathKey(path)] ?? [];
  if (messages.length === 0) return null;
  return (
    <ul className="field__error" id={id} data-testid={`problems-${pathKey(path)}`}>
      {messages.map((message, i) => (
        <li key={i}>{message}</li>
      ))}
    </ul>
  );
}

type FieldProps = { path: SpecPath; label: string; hint?: ReactNode };

function Field({ path, label, hint, children }: FieldProps & { children: (id: string, problemsId: string) => ReactNode }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children(id, `${id}-problems`)}
      {hint ? <small>{hint}</small> : null}
      <FieldProblems path={path} id={`${id}-problems`} />
    </div>
  );
}

const invalid = (problems: Record<string, string[]>, path: SpecPath) => Boolean(problems[pathKey(path)]?.length);

export function TextField({ multiline, nullWhenEmpty, ...props }: FieldProps & { multiline?: boolean; nullWhenEmpty?: boolean }) {
  const { spec, set, problems } = useSpecEditing();
  const value = getIn(spec, props.path);
  const onChange = (text: string) => set(props.path, text === '' ? (nullWhenEmpty ? null : undefined) : text);
  return (
    <Field {...props}>
      {(id, problemsId) => {
        const common = {
          id,
          'data-spec-path': pathKey(props.path),
          value: typeof value === 'string' ? value : value == null ? '' : String(value),
          'aria-invalid': invalid(problems, props.path),
          'aria-describedby': problemsId,
        };
        return multiline ? (
          <textarea rows={4} {...common} onChange={(e) => onChange(e.target.value)} />
        ) : (
          <input {...common} onChange={(e) => onChange(e.target.value)} />
        );
      }}
    </Field>
  );
}

export function NumberField({ fallback, step, ...props }: FieldProps & { fallback?: number; step?: number }) {
  const { spec, set, problems } = useSpecEditing();
  const value = getIn(spec, props.path);
  return (
    <Field {...props}>
      {(id, problemsId) => (
        <input
          id={id}
          data-spec-path={pathKey(props.path)}
          type="number"
          step={step ?? 1}
          // Left out, the field shows the server's default greyed: clearing it must not bring it back.
          value={typeof value === 'number' ? value : value == null ? '' : String(value)}
          placeholder={fallback === undefined ? undefined : String(fallback)}
          aria-invalid={invalid(problems, props.path)}
          aria-describedby={problemsId}
          onChange={(e) => set(props.path, e.target.value === '' ? undefined : Number(e.target.value))}
        />
      )}
    </Field>
  );
}

export function CheckField({ path, label, fallback }: FieldProps & { fallback: boolean }) {
  const { spec, set } = useSpecEditing();
  const value = getIn(spec, path);
  return (
    <div className="field field--check">
      <label>
        <input
          type="checkbox"
          data-spec-path={pathKey(path)}
          checked={typeof value === 'boolean' ? value : fallback}
          onChange={(e) => set(path, e.target.checked)}
        />{' '}
        {label}
      </label>
      <FieldProblems path={path} />
    </div>
  );
}

/** A checkbox for an optional block of the spec: ticked, the block exists (made by ``make``). */
export function OptionalBlockField({ path, label, make }: FieldProps & { make: () => SpecValue }) {
  const { spec, set } = useSpecEditing();
  const value = getIn(spec, path);
  return (
    <div className="field field--check">
      <label>
        <input
          type="checkbox"
          data-spec-path={pathKey(path)}
          checked={isRecord(value)}
          onChange={(e) => set(path, e.target.checked ? make() : undefined)}
        />{' '}
        {label}
      </label>
      <FieldProblems path={path} />
    </div>
  );
}

export function SelectField({
  options,
  fallback,
  onChange,
  ...props
}: FieldProps & { options: readonly string[]; fallback: string; onChange?: (value: string) => void }) {
  const { spec, set } = useSpecEditing();
  const value = getIn(spec, props.path);
  return (
    <Field {...props}>
      {(id, problemsId) => (
        <select
          id={id}
          data-spec-path={pathKey(props.path)}
          value={typeof value === 'string' ? value : fallback}
          aria-describedby={problemsId}
          onChange={(e) => {
            set(props.path, e.target.value);
            onChange?.(e.target.value);
          }}
        >
          {options.map((option) => (
            <option key={option} value={option}>
              {option}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

const parseList = (text: string, numbers: boolean): SpecValue[] =>
  text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => (numbers && /^-?\d+$/.test(part) ? Number(part) : part));

/**
 * A comma-separated list; empty leaves the key out (or sets `null`, when that means "all"), or
 * removes `removeWhenEmpty`, the section the list is the heart of.
 */
export function ListField({
  numbers = false,
  emptyAs,
  removeWhenEmpty,
  ...props
}: FieldProps & { numbers?: boolean; emptyAs?: null; removeWhenEmpty?: SpecPath }) {
  const { spec, set, problems } = useSpecEditing();
  const value = getIn(spec, props.path);
  const shown = Array.isArray(value) ? value.join(', ') : '';
  // The text as typed ("en, " mid-edit), kept while it still says the stored list.
  const [text, setText] = useState(shown);
  const current = JSON.stringify(parseList(text, numbers)) === JSON.stringify(Array.isArray(value) ? value : []) ? text : shown;
  return (
    <Field {...props}>
      {(id, problemsId) => (
        <input
          id={id}
          data-spec-path={pathKey(props.path)}
          value={current}
          aria-invalid={invalid(problems, props.path)}
          aria-describedby={problemsId}
          onChange={(e) => {
            setText(e.target.value);
            const list = parseList(e.target.value, numbers);
            if (list.length) set(props.path, list);
            else if (removeWhenEmpty) set(removeWhenEmpty, undefined);
            else set(props.path, emptyAs);
          }}
        />
      )}
    </Field>
  );
}

/** `country: DE, AT` per line: each profile field and the answers it must be one of. */
export function ProfileRulesField(props: FieldProps) {
  const { spec, set } = useSpecEditing();
  const value = getIn(spec, props.path);
  const rules = isRecord(value) ? value : {};
  const shown = Object.entries(rules)
    .map(([field, values]) => `${field}: ${Array.isArray(values) ? values.join(', ') : ''}`)
    .join('\n');
  const [text, setText] = useState(shown);
  const parse = (input: string) =>
    Object.fromEntries(
      input
        .split('\n')
        .map((line) => line.split(':'))
        .filter(([field]) => field.trim())
        .map(([field, values = '']) => [field.trim(), parseList(values, false)]),
    ) as { [key: string]: SpecValue };
  const current = JSON.stringify(parse(text)) === JSON.stringify(rules) ? text : shown;
  return (
    <Field {...props}>
      {(id, problemsId) => (
        <textarea
          id={id}
          data-spec-path={pathKey(props.path)}
          rows={2}
          value={current}
          aria-describedby={problemsId}
          onChange={(e) => {
            setText(e.target.value);
            const parsed = parse(e.target.value);
            set(props.path, Object.keys(parsed).length ? parsed : undefined);
          }}
        />
      )}
    </Field>
  );
}

type RowListProps = {
  path: SpecPath;
  label: string;
  /** What "Add" appends. */
  newRow: (index: number) => SpecValue;
  addLabel: string;
  children: (rowPath: SpecPath, index: number) => ReactNode;
};

/** A list of small records (aspects, reasons, survey questions, quotas…): add, remove, edit in place. */
export function RowList({ path, label, newRow, addLabel, children }: RowListProps) {
  const { spec, set } = useSpecEditing();
  const value = getIn(spec, path);
  const rows = Array.isArray(value) ? value : [];
  return (
    <fieldset className="fieldset builder-rows">
      <legend>{label}</legend>
      <FieldProblems path={path} />
      {rows.map((_, i) => (
        <div key={i} className="builder-row" data-testid={`row-${pathKey([...path, i])}`}>
          {children([...path, i], i)}
          <FieldProblems path={[...path, i]} />
          <button type="button" className="button button--small button--ghost" onClick={() => set([...path, i], undefined)}>
            Remove
          </button>
        </div>
      ))}
      <button type="button" className="button button--small" onClick={() => set([...path, rows.length], newRow(rows.length))}>
        {addLabel}
      </button>
    </fieldset>
  );
}

/** Rows of `{id, label}` (survey options) or `{id, label, description}` (aspects, reasons). */
export function ChoiceRows({ path, label, noun, described = false }: { path: SpecPath; label: string; noun: string; described?: boolean }) {
  return (
    <RowList path={path} label={label} addLabel={`Add ${noun}`} newRow={(i) => ({ id: `${noun.replace(/\W/g, '_')}_${i + 1}`, label: '' })}>
      {(row) => (
        <div className="form-grid">
          <TextField path={[...row, 'id']} label="Id" />
          <TextField path={[...row, 'label']} label="Label" />
          {described ? <TextField path={[...row, 'description']} label="Description (shown as help)" /> : null}
        </div>
      )}
    </RowList>
  );
}
