import { Fragment, useState, type FormEvent } from 'react';

import { ErrorMessage } from '@/components/ui/error-message';
import { isApiError } from '@/lib/api-client';
import type { ModelEndpoint, ProviderKind } from '@/lib/api-types';

import { useDeleteModel } from '../api/delete-model';
import { useShareModel } from '../api/share-model';
import { useTestModel } from '../api/test-model';
import { fieldErrors } from '../utils/format';
import { isAdmin, managesModel, ownershipLabel, parseEmails, sharingSummary, type Viewer } from '../utils/viewer';

import { RequestError } from './request-error';

export const PROVIDER_LABELS: Record<ProviderKind, string> = {
  openai_chat: 'OpenAI-compatible chat',
  openai_image: 'OpenAI-compatible images',
  local_hf: 'Local Hugging Face',
};

const MAX_REPLY = 300;
const HEADINGS = ['Name', 'Access', 'Provider', 'Model', 'Base URL', 'API key', 'Max concurrency', 'Timeout'];

function TestOutcome({ model, test }: { model: ModelEndpoint; test: ReturnType<typeof useTestModel> }) {
  const result = test.data;
  return (
    <div aria-live="polite" data-testid={`test-result-${model.name}`}>
      {result?.ok ? (
        <div className="model-test__result model-test__result--ok">
          <strong>OK</strong>
          {result.latency_ms != null ? <span> · {result.latency_ms} ms</span> : null}
          {result.reply ? (
            <blockquote className="model-test__reply">
              {result.reply.length > MAX_REPLY ? `${result.reply.slice(0, MAX_REPLY)}…` : result.reply}
            </blockquote>
          ) : null}
        </div>
      ) : null}
      {result && !result.ok ? (
        <div className="model-test__result model-test__result--error" role="alert">
          <strong>Failed</strong>
          {result.latency_ms != null ? <span> · {result.latency_ms} ms</span> : null}
          <div>{result.error ?? 'The endpoint did not answer.'}</div>
        </div>
      ) : null}
      {isApiError(test.error, 'too_many_model_tests') ? (
        // The server runs only a few tests at once; this one was never sent.
        <p className="alert alert--error" role="alert" data-error-code={test.error.code}>
          Too many model tests running; try again in a moment.
        </p>
      ) : test.error ? (
        <ErrorMessage error={test.error} />
      ) : null}
    </div>
  );
}

function ShareForm({
  model,
  canShareWithAll,
  onDone,
}: {
  model: ModelEndpoint;
  canShareWithAll: boolean;
  onDone: (saved: boolean) => void;
}) {
  const [emails, setEmails] = useState((model.shared_with ?? []).join('\n'));
  const [all, setAll] = useState(model.shared_with_all);
  const share = useShareModel({ mutationConfig: { onSuccess: () => onDone(true) } });
  const id = `share-${model.id}`;
  const researchersError = fieldErrors(share.error).researchers ?? null;

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    share.mutate({
      name: model.name,
      // Only an admin may change "everyone"; the owner sends back what the model has.
      sharing: { all: canShareWithAll ? all : model.shared_with_all, researchers: parseEmails(emails) },
    });
  };

  return (
    <form className="form" onSubmit={onSubmit} aria-label={`Share ${model.name}`} data-testid={`share-form-${model.name}`}>
      {share.error ? <RequestError error={share.error} /> : null}
      <div className="field">
        <label htmlFor={`${id}-emails`}>Researchers’ e-mails, one per line</label>
        <textarea
          id={`${id}-emails`}
          rows={3}
          spellCheck={false}
          autoComplete="off"
          placeholder="colleague@example.org"
          aria-invalid={researchersError ? true : undefined}
          aria-describedby={researchersError ? `${id}-emails-error` : `${id}-emails-help`}
          value={emails}
          onChange={(e) => {
            setEmails(e.target.value);
            if (share.error) share.reset();
          }}
        />
        {researchersError ? (
          <small id={`${id}-emails-error`} className="field__error">
            {researchersError}
          </small>
        ) : (
          <small id={`${id}-emails-help`}>They can then use it in their campaigns; they never see its key.</small>
        )}
      </div>
      {canShareWithAll ? (
        <label className="checkbox">
          <input type="checkbox" checked={all} onChange={(e) => setAll(e.target.checked)} />
          Share with every researcher
        </label>
      ) : null}
      <div className="form__actions">
        <button type="submit" className="button button--primary button--small" disabled={share.isPending}>
          {share.isPending ? 'Saving…' : 'Save sharing'}
        </button>
        <button type="button" className="button button--small" onClick={() => onDone(false)}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** A row's button that opens (and closes) a panel below it: sharing, or deleting. */
function PanelToggle({
  action,
  model,
  open,
  danger = false,
  onToggle,
}: {
  action: string;
  model: ModelEndpoint;
  open: boolean;
  danger?: boolean;
  onToggle: () => void;
}) {
  return (
    <button
      type="button"
      className={danger ? 'button button--small button--danger' : 'button button--small'}
      aria-label={`${action} ${model.name}`}
      aria-expanded={open}
      onClick={onToggle}
    >
      {action}
    </button>
  );
}

/** Asks before deleting; a model in use is refused by the server, whose message (with the counts) shows. */
function DeleteModel({
  model,
  deletion,
  onCancel,
}: {
  model: ModelEndpoint;
  deletion: ReturnType<typeof useDeleteModel>;
  onCancel: () => void;
}) {
  return (
    <div className="stack" data-testid={`delete-model-${model.name}`}>
      {deletion.error ? <RequestError error={deletion.error} /> : null}
      <div className="alert alert--error" role="group" aria-label={`Confirm deleting ${model.name}`}>
        <p>
          Delete <strong>{model.name}</strong>? A model that candidates, tree replies or generation jobs name is kept
          for their provenance; only an unused one is deleted.
        </p>
        <div className="form__actions">
          <button
            type="button"
            className="button button--small button--danger"
            disabled={deletion.isPending}
            onClick={() => deletion.mutate(model.name)}
          >
            {deletion.isPending ? 'Deleting…' : 'Yes, delete'}
          </button>
          <button type="button" className="button button--small" onClick={onCancel}>
            Cancel
          </button>
        </div>
      </div>
    </div>
  );
}

function ModelRow({ model, viewer }: { model: ModelEndpoint; viewer?: Viewer | null }) {
  const [sharing, setSharing] = useState(false);
  const [saved, setSaved] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const deletion = useDeleteModel();
  const test = useTestModel();
  const manages = managesModel(viewer, model);
  const summary = sharingSummary(model);
  return (
    <Fragment>
      <tr data-testid={`model-row-${model.name}`}>
        <td className="mono">
          <strong>{model.name}</strong>
        </td>
        <td data-testid={`model-access-${model.name}`}>
          <span className="badge">{ownershipLabel(viewer, model)}</span>
          {summary ? <small className="muted"> {summary}</small> : null}
        </td>
        <td title={model.provider}>{PROVIDER_LABELS[model.provider] ?? model.provider}</td>
        <td className="mono">{model.model}</td>
        <td className="mono table__url">{model.base_url}</td>
        <td className="mono">{model.api_key_secret || '—'}</td>
        <td>{model.max_concurrency}</td>
        <td>{model.timeout_s} s</td>
        <td className="model-test">
          <div className="form__actions">
            <button
              type="button"
              className="button button--small"
              disabled={test.isPending}
              aria-label={`Test ${model.name}`}
              onClick={() => test.mutate(model.name)}
            >
              {test.isPending ? 'Testing…' : 'Test'}
            </button>
            {manages ? (
              <>
                <PanelToggle
                  action="Share"
                  model={model}
                  open={sharing}
                  onToggle={() => {
                    setSharing((open) => !open);
                    setSaved(false);
                  }}
                />
                <PanelToggle
                  action="Delete"
                  model={model}
                  open={deleting}
                  danger
                  onToggle={() => {
                    deletion.reset();
                    setDeleting((open) => !open);
                  }}
                />
              </>
            ) : null}
            {saved ? (
              <span role="status" className="muted">
                Sharing saved.
              </span>
            ) : null}
          </div>
          <TestOutcome model={model} test={test} />
        </td>
      </tr>
      {sharing ? (
        <tr>
          <td colSpan={HEADINGS.length + 1}>
            <ShareForm
              model={model}
              canShareWithAll={isAdmin(viewer)}
              onDone={(didSave) => {
                setSharing(false);
                setSaved(didSave);
              }}
            />
          </td>
        </tr>
      ) : null}
      {deleting ? (
        <tr>
          <td colSpan={HEADINGS.length + 1}>
            <DeleteModel model={model} deletion={deletion} onCancel={() => setDeleting(false)} />
          </td>
        </tr>
      ) : null}
    </Fragment>
  );
}

export function ModelsTable({ models, viewer }: { models: ModelEndpoint[]; viewer?: Viewer | null }) {
  if (models.length === 0) {
    return <p className="muted">No model endpoints yet. Add one below to generate candidates.</p>;
  }
  return (
    <div className="table-wrap">
      <table className="table">
        <thead>
          <tr>
            {HEADINGS.map((heading) => (
              <th key={heading} scope="col">
                {heading}
              </th>
            ))}
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {models.map((m) => (
            <ModelRow key={m.id} model={m} viewer={viewer} />
          ))}
        </tbody>
      </table>
    </div>
  );
}
