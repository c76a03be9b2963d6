import { useEffect, useMemo, useState } from 'react';

import { isApiError } from '@/lib/api-client';
import type { CampaignDetail, CampaignSpec, CampaignSpecInput } from '@/lib/api-types';

import { useCreateCampaign } from '../api/create-campaign';
import { RequestError } from '../components/request-error';

import { useSpecTemplates, type SpecTemplate } from './api/get-spec-templates';
import { useValidateSpec } from './api/validate-spec';
import { placeProblems, type PlacedProblems } from './field-problems';
import { moveIn, setIn, type SpecDocument } from './spec-document';
import { SpecEditingContext, type SpecEditing } from './spec-fields';
import { SpecForm } from './spec-form';
import { SpecPreview } from './spec-preview';
import { specToYaml, yamlToSpec, type YamlProblem } from './yaml-text';

// Checked with the server once typing pauses this long.
const VALIDATE_AFTER_MS = 400;

function useDebounced<T>(value: T, delayMs: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), delayMs);
    return () => clearTimeout(timer);
  }, [value, delayMs]);
  return settled;
}

const NO_PROBLEMS: PlacedProblems = { byField: {}, general: [] };

type CampaignBuilderProps = { onCreated: (campaign: CampaignDetail) => void };

/** A campaign from a template: the spec as a form or as YAML, checked as it changes, previewed live. */
export function CampaignBuilder({ onCreated }: CampaignBuilderProps) {
  const templates = useSpecTemplates();
  if (templates.isPending) return <p className="muted">Loading templates…</p>;
  if (templates.isError) return <RequestError error={templates.error} />;
  return <Builder templates={templates.data} onCreated={onCreated} />;
}

function Builder({ templates, onCreated }: { templates: SpecTemplate[]; onCreated: CampaignBuilderProps['onCreated'] }) {
  const [template, setTemplate] = useState(templates[0]);
  const [spec, setSpec] = useState<SpecDocument>(() => templates[0].spec as unknown as SpecDocument);
  const [tab, setTab] = useState<'form' | 'yaml'>('form');
  const [yamlText, setYamlText] = useState('');
  const [yamlProblems, setYamlProblems] = useState<YamlProblem[]>([]);
  const [lastValid, setLastValid] = useState<CampaignSpec | undefined>(undefined);

  const checkedSpec = useDebounced(spec, VALIDATE_AFTER_MS);
  const validation = useValidateSpec(checkedSpec);
  const upToDate = checkedSpec === spec && !validation.isPlaceholderData && !validation.isFetching;
  const valid = upToDate && validation.isSuccess;
  useEffect(() => {
    if (validation.data && !validation.isPlaceholderData) setLastValid(validation.data);
  }, [validation.data, validation.isPlaceholderData]);

  const problems = useMemo(
    () => (validation.isError && isApiError(validation.error, 'validation_error') ? placeProblems(validation.error.details) : NO_PROBLEMS),
    [validation.isError, validation.error],
  );
  const editing = useMemo<SpecEditing>(
    () => ({
      spec,
      set: (path, value) => setSpec((current) => setIn(current, path, value)),
      move: (path, from, to) => setSpec((current) => moveIn(current, path, from, to)),
      problems: problems.byField,
    }),
    [spec, problems],
  );

  const create = useCreateCampaign({ mutationConfig: { onSuccess: onCreated } });

  const pickTemplate = (id: string) => {
    const picked = templates.find((t) => t.id === id);
    if (!picked) return;
    setTemplate(picked);
    // The last valid spec was the old template's: previewing it on this sample would mix the two.
    setLastValid(undefined);
    setSpec(picked.spec as unknown as SpecDocument);
    setYamlText(specToYaml(picked.spec as unknown as SpecDocument));
    setYamlProblems([]);
  };

  const showTab = (next: 'form' | 'yaml') => {
    if (next === 'yaml' && tab !== 'yaml') {
      setYamlText(specToYaml(spec));
      setYamlProblems([]);
    }
    setTab(next);
  };

  const editYaml = (text: string) => {
    setYamlText(text);
    const parsed = yamlToSpec(text);
    setYamlProblems(parsed.problems);
    if (parsed.spec) setSpec(parsed.spec);
  };

  // Drafts when the server knows them: a new campaign is seen by its researchers until activated.
  const createDraft = () => create.mutate({ ...spec, status: 'draft' } as unknown as CampaignSpecInput);

  const otherProblems = validation.isError && !isApiError(validation.error, 'validation_error');
  return (
    <div className="builder">
      <div className="builder__edit">
        <div className="field">
          <label htmlFor="builder-template">Template</label>
          <select id="builder-template" value={template.id} onChange={(e) => pickTemplate(e.target.value)}>
            {templates.map((t) => (
              <option key={t.id} value={t.id}>
                {t.title}
              </option>
            ))}
          </select>
          <small>{template.description} Choosing a template replaces the spec.</small>
        </div>

        {problems.general.length > 0 ? (
          <div className="card error-box" role="alert" aria-label="Problems with the spec">
            <ul className="error-list">
              {problems.general.map((p, i) => (
                <li key={i}>{p.field ? `${p.field}: ${p.message}` : p.message}</li>
              ))}
            </ul>
          </div>
        ) : null}
        {otherProblems ? <RequestError error={validation.error} /> : null}

        <div role="tablist" aria-label="Edit the spec as" className="builder__tabs">
          <button type="button" role="tab" className="button button--small" aria-selected={tab === 'form'} onClick={() => showTab('form')}>
            Form
          </button>
          <button type="button" role="tab" className="button button--small" aria-selected={tab === 'yaml'} onClick={() => showTab('yaml')}>
            YAML
          </button>
        </div>

        <div role="tabpanel" aria-label={tab === 'form' ? 'Form' : 'YAML'}>
          {tab === 'form' ? (
            <SpecEditingContext.Provider value={editing}>
              <SpecForm />
            </SpecEditingContext.Provider>
          ) : (
            <div className="field">
              <label htmlFor="builder-yaml">Spec (YAML)</label>
              {yamlProblems.length > 0 ? (
                <ul className="field__error" aria-label="YAML problems">
                  {yamlProblems.map((p, i) => (
                    <li key={i}>{p.line ? `Line ${p.line}: ${p.message}` : p.message}</li>
                  ))}
                </ul>
              ) : (
                <SpecProblemList problems={problems} />
              )}
              <textarea
                id="builder-yaml"
                className="builder__yaml"
                rows={24}
                spellCheck={false}
                value={yamlText}
                aria-invalid={yamlProblems.length > 0}
                onChange={(e) => editYaml(e.target.value)}
              />
            </div>
          )}
        </div>

        <div className="form__actions">
          {create.error ? <RequestError error={create.error} /> : null}
          <span className="muted" role="status">
            {yamlProblems.length > 0 ? 'The YAML does not parse' : !upToDate ? 'Checking…' : valid ? 'The spec is valid' : 'The spec has problems'}
          </span>
          <button type="button" className="button button--primary" disabled={!valid || yamlProblems.length > 0 || create.isPending} onClick={createDraft}>
            Create campaign
          </button>
        </div>
      </div>

      <aside className="builder__preview" aria-label="Preview">
        <h2>Preview</h2>
        <SpecPreview spec={lastValid} sample={template.sample} stale={!valid} />
      </aside>
    </div>
  );
}

/** In the YAML tab, each problem with the path of its field. */
function SpecProblemList({ problems }: { problems: PlacedProblems }) {
  const lines = Object.entries(problems.byField).flatMap(([field, messages]) => messages.map((m) => `${field}: ${m}`));
  if (lines.length === 0) return null;
  return (
    <ul className="field__error" aria-label="Spec problems">
      {lines.map((line, i) => (
        <li key={i}>{line}</li>
      ))}
    </ul>
  );
}
