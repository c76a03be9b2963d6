import { useState, type ComponentProps, type FormEvent } from 'react';

import { useCreateExport } from '../api/create-export';
import { useCampaignExports } from '../api/get-campaign-exports';
import { useExportFormats, type ExportFormatInfo } from '../api/get-export-formats';
import {
  activeOptions,
  AGGREGATION_LABELS,
  buildExportBody,
  defaultFormat,
  exportCampaign,
  fitOf,
  formatsFor,
  initialExportForm,
  readsOption,
  type Aggregation,
  type AnnotatorGroupRow,
  type ExportCampaign,
  type ExportSpec,
  type ExportFormat,
  type ExportFormState,
  type FileFormat,
} from '../utils/export-options';
import { stateLabel, TREE_STATES } from '../utils/trees';
import { RequestError } from './request-error';

function AnnotatorGroupsEditor({ rows, onChange }: { rows: AnnotatorGroupRow[]; onChange: (rows: AnnotatorGroupRow[]) => void }) {
  const update = (index: number, patch: Partial<AnnotatorGroupRow>) =>
    onChange(rows.map((row, i) => (i === index ? { ...row, ...patch } : row)));
  return (
    <fieldset className="fieldset">
      <legend>Annotator groups</legend>
      <small className="muted">Only annotators whose profile answer to each question is one of the values.</small>
      {rows.map((row, i) => (
        <div key={i} className="form--inline" role="group" aria-label={`Annotator group ${i + 1}`}>
          <div className="field">
            <label htmlFor={`export-group-${i}-question`}>Question id</label>
            <input
              id={`export-group-${i}-question`}
              type="text"
              placeholder="country"
              value={row.question}
              onChange={(e) => update(i, { question: e.target.value })}
            />
          </div>
          <div className="field">
            <label htmlFor={`export-group-${i}-values`}>Values, comma-separated</label>
            <input
              id={`export-group-${i}-values`}
              type="text"
              placeholder="GB, IE"
              value={row.values}
              onChange={(e) => update(i, { values: e.target.value })}
            />
          </div>
          <button
            type="button"
            className="button button--small"
            aria-label={`Remove annotator group ${i + 1}`}
            onClick={() => onChange(rows.filter((_, j) => j !== i))}
          >
            Remove
          </button>
        </div>
      ))}
      <div className="form__actions">
        <button type="button" className="button button--small" onClick={() => onChange([...rows, { question: '', values: '' }])}>
          Add annotator group
        </button>
      </div>
    </fieldset>
  );
}

/** A labelled input (text unless `type` says otherwise) with an optional hint below it. */
function InputField({ id, label, hint, ...input }: { id: string; label: string; hint?: string } & ComponentProps<'input'>) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} type="text" {...input} />
      {hint ? <small>{hint}</small> : null}
    </div>
  );
}

/**
 * Every option of POST /api/campaigns/{slug}/exports for the campaign of `spec`. The formats, which
 * options each reads and which questions and candidates it takes come from GET /api/exports/formats;
 * the form opens on the first that fits the campaign and labels those that would give no rows.
 */
export function ExportForm({ slug, spec }: { slug: string; spec: ExportSpec }) {
  const formats = useExportFormats();
  // The media its candidates hold (the panel lists the exports from the same query).
  const exports = useCampaignExports(slug);
  if (formats.isPending || exports.isPending) return <p className="muted">Loading export formats…</p>;
  if (formats.isError) return <RequestError error={formats.error} />;
  const campaign = exportCampaign(spec, exports.data?.candidate_media ?? []);
  const offered = formatsFor(formats.data.formats, campaign.trees);
  if (offered.length === 0) return <p className="muted">No export format fits this campaign.</p>;
  return <ExportFormFields slug={slug} campaign={campaign} formats={offered} />;
}

function ExportFormFields({ slug, campaign, formats }: { slug: string; campaign: ExportCampaign; formats: ExportFormatInfo[] }) {
  const { trees } = campaign;
  const create = useCreateExport();
  const [form, setForm] = useState<ExportFormState>(() => initialExportForm((defaultFormat(formats, campaign) ?? formats[0]).name));
  const [formError, setFormError] = useState<string | null>(null);
  const set = <K extends keyof ExportFormState>(key: K, value: ExportFormState[K]) => setForm((current) => ({ ...current, [key]: value }));

  const fits = new Map(formats.map((format) => [format.name, fitOf(format, campaign)]));
  const fitting = formats.filter((format) => fits.get(format.name)?.fits);
  const unfit = formats.filter((format) => !fits.get(format.name)?.fits);
  const option = (format: ExportFormatInfo) => {
    const fit = fits.get(format.name);
    return (
      <option key={format.name} value={format.name}>
        {format.title}
        {fit && !fit.fits ? ` — ${fit.reason}` : ''}
      </option>
    );
  };
  const chosen = formats.find((format) => format.name === form.format);
  const aggregatable = chosen?.aggregates ?? false;
  // With the options ticked (e.g. KTO from preferences), which the option labels above leave out.
  const active = activeOptions({ ...form, aggregation: aggregatable ? form.aggregation : 'none' }).filter((name) => readsOption(chosen, name));
  const chosenFit = chosen ? fitOf(chosen, campaign, active) : undefined;
  const aggregating = formats.filter((format) => format.aggregates).map((format) => format.name);
  const toggleTreeState = (state: (typeof TREE_STATES)[number], on: boolean) =>
    set('treeStates', on ? TREE_STATES.filter((s) => s === state || form.treeStates.includes(s)) : form.treeStates.filter((s) => s !== state));

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const result = buildExportBody(form, { trees, format: chosen });
    setFormError(result.ok ? null : result.problem);
    if (result.ok) create.mutate({ slug, body: result.body });
  };

  return (
    <form className="form" onSubmit={onSubmit} noValidate aria-label="New export">
      <div className="form--inline">
        <div className="field">
          <label htmlFor="export-format">Format</label>
          <select
            id="export-format"
            value={form.format}
            aria-describedby="export-format-hint"
            onChange={(e) => set('format', e.target.value as ExportFormat)}
          >
            {unfit.length === 0 ? (
              formats.map(option)
            ) : (
              <>
                <optgroup label="Fit this campaign">{fitting.map(option)}</optgroup>
                <optgroup label="Give no rows for this campaign">{unfit.map(option)}</optgroup>
              </>
            )}
          </select>
          <small id="export-format-hint">{chosen?.description}</small>
          {chosenFit && !chosenFit.fits ? (
            <p className="alert alert--info" role="status">
              {chosen?.title} {chosenFit.reason}: the export will have no rows or be refused.
            </p>
          ) : null}
        </div>
        <div className="field">
          <label htmlFor="export-form">Text columns</label>
          <select
            id="export-form"
            value={form.conversational ? 'conversational' : 'standard'}
            onChange={(e) => set('conversational', e.target.value === 'conversational')}
          >
            <option value="conversational">TRL conversational form</option>
            <option value="standard">Standard form (plain strings)</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="export-file-format">File format</label>
          <select id="export-file-format" value={form.fileFormat} onChange={(e) => set('fileFormat', e.target.value as FileFormat)}>
            <option value="jsonl">JSONL</option>
            <option value="parquet">Parquet</option>
          </select>
        </div>
      </div>

      <details>
        <summary>Filters and aggregation</summary>
        <div className="form">
          <fieldset className="fieldset">
            <legend>Aggregation</legend>
            <div className="field">
              <label htmlFor="export-aggregation">Aggregation</label>
              <select
                id="export-aggregation"
                value={aggregatable ? form.aggregation : 'none'}
                disabled={!aggregatable}
                aria-describedby="export-aggregation-hint"
                onChange={(e) => set('aggregation', e.target.value as Aggregation)}
              >
                {Object.entries(AGGREGATION_LABELS).map(([value, label]) => (
                  <option key={value} value={value}>
                    {label}
                  </option>
                ))}
              </select>
              <small id="export-aggregation-hint">
                {aggregatable
                  ? 'None keeps one row per judgment, disagreement included (for user-conditioned reward models); the others give one consensus per item.'
                  : `${form.format} rows are per judgment or per annotator; aggregation applies to ${aggregating.join(', ')}.`}
              </small>
            </div>
            <label className="checkbox">
              <input type="checkbox" checked={form.dropTies} onChange={(e) => set('dropTies', e.target.checked)} /> Drop ties
            </label>
            <div className="field field--short">
              <label htmlFor="export-min-agreement">Minimum agreement</label>
              <input
                id="export-min-agreement"
                type="number"
                min={0}
                max={1}
                step={0.05}
                placeholder="none"
                value={form.minAgreement}
                onChange={(e) => set('minAgreement', e.target.value)}
              />
              <small>0 to 1; empty = no threshold.</small>
            </div>
            <label className="checkbox">
              <input
                type="checkbox"
                checked={form.ktoFromPreferences && readsOption(chosen, 'kto_from_preferences')}
                disabled={!readsOption(chosen, 'kto_from_preferences')}
                onChange={(e) => set('ktoFromPreferences', e.target.checked)}
              />{' '}
              KTO: also derive rows from pairwise and ranking answers
            </label>
          </fieldset>

          <fieldset className="fieldset">
            <legend>Filters</legend>
            <div className="form--inline">
              <InputField
                id="export-created-from"
                label="Judged from"
                type="datetime-local"
                value={form.createdFrom}
                onChange={(e) => set('createdFrom', e.target.value)}
              />
              <InputField
                id="export-created-to"
                label="Judged before"
                type="datetime-local"
                value={form.createdTo}
                onChange={(e) => set('createdTo', e.target.value)}
              />
            </div>
            <InputField
              id="export-models"
              label="Models, comma-separated"
              hint="Only judgments whose candidates all come from these models."
              value={form.models}
              onChange={(e) => set('models', e.target.value)}
            />
            <InputField
              id="export-languages"
              label="Languages, comma-separated"
              placeholder="en, de"
              value={form.languages}
              onChange={(e) => set('languages', e.target.value)}
            />
            {trees ? (
              <fieldset className="fieldset">
                <legend>Tree states</legend>
                <small className="muted">None ticked: ready for export only.</small>
                {TREE_STATES.map((state) => (
                  <label key={state} className="checkbox">
                    <input
                      type="checkbox"
                      checked={form.treeStates.includes(state)}
                      onChange={(e) => toggleTreeState(state, e.target.checked)}
                    />{' '}
                    {stateLabel(state)}
                  </label>
                ))}
              </fieldset>
            ) : (
              <>
                <InputField
                  id="export-rounds"
                  label="Generation rounds, comma-separated"
                  placeholder="1, 2"
                  value={form.rounds}
                  onChange={(e) => set('rounds', e.target.value)}
                />
                <label className="checkbox">
                  <input type="checkbox" checked={form.includeGold} onChange={(e) => set('includeGold', e.target.checked)} />{' '}
                  Include gold / attention-check items
                </label>
                <label className="checkbox">
                  <input
                    type="checkbox"
                    checked={form.includeExcluded}
                    onChange={(e) => set('includeExcluded', e.target.checked)}
                  />{' '}
                  Include annotators excluded for quality, marked (raw judgments always keep them)
                </label>
              </>
            )}
            <label className="checkbox">
              <input
                type="checkbox"
                checked={form.includeSimulated}
                onChange={(e) => set('includeSimulated', e.target.checked)}
              />{' '}
              {trees
                ? 'Include trees simulated annotators took part in'
                : 'Include simulated judgments'}{' '}
              (<code>prefhub simulate</code>) when the campaign also has human work
            </label>
            <AnnotatorGroupsEditor rows={form.annotatorGroups} onChange={(rows) => set('annotatorGroups', rows)} />
          </fieldset>

          <fieldset className="fieldset">
            <legend>Annotators</legend>
            <label className="checkbox">
              <input type="checkbox" checked={form.includeProfiles} onChange={(e) => set('includeProfiles', e.target.checked)} />{' '}
              Include annotators’ profile answers in rows
            </label>
            <InputField
              id="export-salt"
              label="Salt"
              hint="A new salt makes the annotator ids unlinkable to other exports."
              value={form.salt}
              onChange={(e) => set('salt', e.target.value)}
            />
          </fieldset>
        </div>
      </details>

      {formError ? (
        <p className="alert alert--error" role="alert">
          {formError}
        </p>
      ) : null}
      {create.error ? <RequestError error={create.error} /> : null}
      <div className="form__actions">
        <button type="submit" className="button button--primary" disabled={create.isPending}>
          {create.isPending ? 'Starting…' : 'Start export'}
        </button>
      </div>
    </form>
  );
}
