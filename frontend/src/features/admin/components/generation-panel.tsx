import { useState, type FormEvent } from 'react';
import { Link } from 'react-router-dom';

import { ErrorMessage } from '@/components/ui/error-message';
import { Loading } from '@/components/ui/spinner';
import type { GenerationJob, GenerationParams } from '@/lib/api-types';

import { useCancelGenerationJob } from '../api/cancel-generation-job';
import { useCreateGenerationJob } from '../api/create-generation-job';
import { useCampaignGenerationJobs } from '../api/get-campaign-generation-jobs';
import { isGenerationJobActive, useGenerationJob } from '../api/get-generation-job';
import { useModels } from '../api/get-models';
import { useResumeGenerationJob } from '../api/resume-generation-job';
import { formatDate } from '../utils/format';

import { GenerationProgress } from './generation-progress';
import { StatusBadge } from './status-badge';
import { RequestError } from './request-error';

const MAX_ERRORS_SHOWN = 3;

function describeParams(params: Record<string, unknown>): string {
  return Object.entries(params)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(', ');
}

function GenerationJobRow({ initial }: { initial: GenerationJob }) {
  const { data: job } = useGenerationJob(initial);
  const cancel = useCancelGenerationJob();
  const resume = useResumeGenerationJob();
  const active = isGenerationJobActive(job);
  const params = describeParams(job.params);
  return (
    <li className="export" data-testid={`generation-job-${job.id}`}>
      <div className="export__head">
        <span className="mono">#{job.id}</span> <StatusBadge status={job.status} />{' '}
        <span className="badge">round {job.round}</span>
        <span className="muted"> {formatDate(job.created_at)}</span>
      </div>
      <p className="gen-job__meta">
        <span className="mono">{job.models.join(', ')}</span> · {job.samples} sample{job.samples === 1 ? '' : 's'} per
        item{params ? <span className="muted"> · {params}</span> : null}
      </p>
      <GenerationProgress progress={job.progress} label={`Generation ${job.id} progress`} />
      {job.errors.length > 0 ? (
        <div className="alert alert--error">
          <ul className="error-list" aria-label={`Generation ${job.id} errors`}>
            {job.errors.slice(0, MAX_ERRORS_SHOWN).map((error, i) => (
              <li key={i}>{error}</li>
            ))}
          </ul>
          {job.errors.length > MAX_ERRORS_SHOWN ? <p>…and {job.errors.length - MAX_ERRORS_SHOWN} more.</p> : null}
        </div>
      ) : null}
      {active ? (
        <div className="form__actions">
          <button
            type="button"
            className="button button--small"
            disabled={cancel.isPending}
            onClick={() => cancel.mutate(job.id)}
            aria-label={`Cancel generation ${job.id}`}
          >
            {cancel.isPending ? 'Cancelling…' : 'Cancel'}
          </button>
          <button
            type="button"
            className="button button--small"
            disabled={resume.isPending}
            onClick={() => resume.mutate(job.id)}
            aria-label={`Resume generation ${job.id}`}
            title="Send its unfinished requests to the workers again (workers also do this by themselves for a stalled job)"
          >
            {resume.isPending ? 'Resuming…' : 'Resume'}
          </button>
        </div>
      ) : null}
      {cancel.error ? <ErrorMessage error={cancel.error} /> : null}
      {resume.error ? <ErrorMessage error={resume.error} /> : null}
    </li>
  );
}

/** Optional number field → number, undefined when blank, NaN when not a number. */
const optionalNumber = (text: string) => (text.trim() === '' ? undefined : Number(text));

export function GenerationPanel({ slug }: { slug: string }) {
  const models = useModels();
  const jobs = useCampaignGenerationJobs(slug);
  const create = useCreateGenerationJob();

  const [selected, setSelected] = useState<string[]>([]);
  const [samples, setSamples] = useState('1');
  const [temperature, setTemperature] = useState('');
  const [maxTokens, setMaxTokens] = useState('');
  const [seed, setSeed] = useState('');
  const [newRound, setNewRound] = useState(false);
  const [formError, setFormError] = useState<string | null>(null);

  const toggle = (name: string, on: boolean) =>
    setSelected((current) => (on ? [...current.filter((n) => n !== name), name] : current.filter((n) => n !== name)));

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    // In the order the models are listed, whatever order they were ticked in.
    const chosen = (models.data?.models ?? []).map((m) => m.name).filter((name) => selected.includes(name));
    const n = Number(samples);
    const params: GenerationParams = {
      temperature: optionalNumber(temperature),
      max_tokens: optionalNumber(maxTokens),
      seed: optionalNumber(seed),
    };
    let problem: string | null = null;
    if (chosen.length === 0) problem = 'Choose at least one model.';
    else if (!Number.isInteger(n) || n < 1 || n > 16) problem = 'Samples per item must be a whole number from 1 to 16.';
    else if (params.temperature !== undefined && !(params.temperature >= 0))
      problem = 'Temperature must be a number of at least 0.';
    else if (params.max_tokens !== undefined && !(Number.isInteger(params.max_tokens) && params.max_tokens >= 1))
      problem = 'Max tokens must be a whole number of at least 1.';
    else if (params.seed !== undefined && !Number.isInteger(params.seed)) problem = 'Seed must be a whole number.';
    setFormError(problem);
    if (problem) return;
    for (const key of Object.keys(params) as (keyof GenerationParams)[]) {
      if (params[key] === undefined) delete params[key];
    }
    create.mutate({ slug, body: { models: chosen, samples: n, params, new_round: newRound } });
  };

  return (
    <section className="card" aria-labelledby="generation-title">
      <h2 id="generation-title">Generation</h2>
      <p className="muted">Sample candidate responses for this campaign’s items from registered models.</p>
      {models.isPending ? <Loading label="Loading models…" /> : null}
      {models.error ? <ErrorMessage error={models.error} /> : null}
      {models.data && models.data.models.length === 0 ? (
        <p className="alert alert--info">
          No model endpoints yet. <Link to="/admin/models">Add one on the Models page</Link>.
        </p>
      ) : null}
      {models.data && models.data.models.length > 0 ? (
        <form className="form" onSubmit={onSubmit} noValidate>
          <fieldset className="fieldset">
            <legend>Models</legend>
            {models.data.models.map((m) => (
              <label key={m.id} className="checkbox">
                <input
                  type="checkbox"
                  checked={selected.includes(m.name)}
                  onChange={(e) => toggle(m.name, e.target.checked)}
                />{' '}
                <span className="mono">{m.name}</span> <span className="muted">({m.model})</span>
              </label>
            ))}
          </fieldset>
          <div className="form--inline">
            <div className="field field--short">
              <label htmlFor="gen-samples">Samples per item</label>
              <input
                id="gen-samples"
                type="number"
                min={1}
                max={16}
                step={1}
                required
                value={samples}
                onChange={(e) => setSamples(e.target.value)}
              />
            </div>
            <div className="field field--short">
              <label htmlFor="gen-temperature">Temperature</label>
              <input
                id="gen-temperature"
                type="number"
                min={0}
                step="any"
                placeholder="default"
                value={temperature}
                onChange={(e) => setTemperature(e.target.value)}
              />
            </div>
            <div className="field field--short">
              <label htmlFor="gen-max-tokens">Max tokens</label>
              <input
                id="gen-max-tokens"
                type="number"
                min={1}
                step={1}
                placeholder="default"
                value={maxTokens}
                onChange={(e) => setMaxTokens(e.target.value)}
              />
            </div>
            <div className="field field--short">
              <label htmlFor="gen-seed">Seed</label>
              <input
                id="gen-seed"
                type="number"
                step={1}
                placeholder="none"
                value={seed}
                onChange={(e) => setSeed(e.target.value)}
              />
            </div>
          </div>
          <label className="checkbox">
            <input type="checkbox" checked={newRound} onChange={(e) => setNewRound(e.target.checked)} /> New on-policy
            round
          </label>
          {formError ? (
            <p className="alert alert--error" role="alert">
              {formError}
            </p>
          ) : null}
          {create.error ? <RequestError error={create.error} /> : null}
          <div className="form__actions">
            <button type="submit" className="button button--primary" disabled={create.isPending}>
              {create.isPending ? 'Starting…' : 'Start generation'}
            </button>
          </div>
        </form>
      ) : null}
      {jobs.isPending ? <Loading label="Loading generation jobs…" /> : null}
      {jobs.error ? <ErrorMessage error={jobs.error} /> : null}
      {jobs.data && jobs.data.jobs.length === 0 ? <p className="muted">No generation jobs yet.</p> : null}
      {jobs.data && jobs.data.jobs.length > 0 ? (
        <ul className="exports" aria-live="polite" aria-label="Generation jobs">
          {[...jobs.data.jobs].sort((a, b) => b.id - a.id).map((job) => (
            <GenerationJobRow key={job.id} initial={job} />
          ))}
        </ul>
      ) : null}
    </section>
  );
}
