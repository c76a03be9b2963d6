import { useState, type FormEvent } from 'react';

import type { CreateModelEndpointBody, ModelEndpoint, ModelSecret, ProviderKind } from '@/lib/api-types';

import { useCreateModel } from '../api/create-model';
import { useModelSecrets } from '../api/get-model-secrets';
import { fieldErrors } from '../utils/format';
import { parseJsonObject } from '../utils/json';

import { PROVIDER_LABELS } from './models-table';
import { RequestError } from './request-error';

// Mirrors backend/prefhub/generation/schemas.py so mistakes show before a 422.
const NAME_PATTERN = '[A-Za-z0-9][A-Za-z0-9_.:\\-]{0,99}';
const MAX_TIMEOUT_S = 600;

const PROVIDERS = Object.keys(PROVIDER_LABELS) as ProviderKind[];

export const secretLabel = (secret: ModelSecret) =>
  `${secret.name} (${secret.hosts.join(', ')})${secret.available ? '' : ' — not set on the server'}`;

/** The server's word on one field, next to it; gone once the field no longer holds what was sent. */
function FieldError({ id, message }: { id: string; message: string | null }) {
  return message ? (
    <small id={id} className="field__error">
      {message}
    </small>
  ) : null;
}

export function NewModelForm({ onCreated }: { onCreated?: (model: ModelEndpoint) => void }) {
  const [name, setName] = useState('');
  const [provider, setProvider] = useState<ProviderKind>('openai_chat');
  // A local Hugging Face model is a directory on the workers, not a URL.
  const isLocal = provider === 'local_hf';
  const [baseUrl, setBaseUrl] = useState('');
  const [model, setModel] = useState('');
  // '' is "No key"; otherwise the name of a secret an admin configured.
  const [secret, setSecret] = useState('');
  const [maxConcurrency, setMaxConcurrency] = useState('4');
  const [timeout, setTimeoutS] = useState('60');
  const [defaultParams, setDefaultParams] = useState('');
  const [paramsError, setParamsError] = useState<string | null>(null);

  const secrets = useModelSecrets();
  const create = useCreateModel({
    mutationConfig: {
      onSuccess: (created) => {
        setName('');
        setModel('');
        setSecret('');
        setDefaultParams('');
        onCreated?.(created);
      },
    },
  });

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const params = parseJsonObject(defaultParams);
    if (!params.ok) {
      setParamsError(params.error);
      return;
    }
    setParamsError(null);
    const body: CreateModelEndpointBody = {
      name: name.trim(),
      provider,
      base_url: baseUrl.trim(),
      model: model.trim(),
      max_concurrency: Number.parseInt(maxConcurrency, 10),
      timeout_s: Number(timeout),
    };
    // A local model is loaded by the workers themselves: there is no server to send a key to.
    if (secret && !isLocal) body.api_key_secret = secret;
    if (params.value) body.default_params = params.value;
    create.mutate(body);
  };

  const refused = fieldErrors(create.error);
  const sent = create.variables;
  const baseUrlError = refused.base_url && sent?.base_url === baseUrl.trim() ? refused.base_url : null;
  const secretError =
    refused.api_key_secret && (sent?.api_key_secret ?? '') === (isLocal ? '' : secret) ? refused.api_key_secret : null;
  const describedBy = (...ids: (string | false | null)[]) => ids.filter(Boolean).join(' ') || undefined;

  return (
    <form className="form card" onSubmit={onSubmit} aria-labelledby="new-model-title">
      <h2 id="new-model-title">Add a model endpoint</h2>
      {create.error ? <RequestError error={create.error} /> : null}
      {create.isSuccess ? (
        <p className="alert alert--success" role="status">
          Added {create.data.name}.
        </p>
      ) : null}
      <div className="form-grid">
        <div className="field">
          <label htmlFor="model-name">Name</label>
          <input
            id="model-name"
            required
            pattern={NAME_PATTERN}
            maxLength={100}
            className="mono"
            aria-describedby="model-name-help"
            value={name}
            onChange={(e) => setName(e.target.value)}
          />
          <small id="model-name-help">How campaigns refer to it, e.g. gpt-4o-mini or llama3:8b.</small>
        </div>
        <div className="field">
          <label htmlFor="model-provider">Provider</label>
          <select id="model-provider" value={provider} onChange={(e) => setProvider(e.target.value as ProviderKind)}>
            {PROVIDERS.map((p) => (
              <option key={p} value={p}>
                {PROVIDER_LABELS[p]} ({p})
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="model-base-url">{isLocal ? 'Model directory' : 'Base URL'}</label>
          <input
            id="model-base-url"
            type={isLocal ? 'text' : 'url'}
            required
            className="mono"
            placeholder={isLocal ? '/models/my-checkpoint (on the worker machines)' : 'https://api.openai.com/v1'}
            aria-invalid={baseUrlError ? true : undefined}
            aria-describedby={describedBy(baseUrlError && 'model-base-url-error')}
            value={baseUrl}
            onChange={(e) => setBaseUrl(e.target.value)}
          />
          <FieldError id="model-base-url-error" message={baseUrlError} />
        </div>
        <div className="field">
          <label htmlFor="model-model">Model</label>
          <input
            id="model-model"
            required
            maxLength={200}
            className="mono"
            placeholder="gpt-4o-mini"
            value={model}
            onChange={(e) => setModel(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="model-key-secret">API key</label>
          <select
            id="model-key-secret"
            className="mono"
            disabled={isLocal}
            aria-invalid={secretError ? true : undefined}
            aria-describedby={describedBy('model-key-secret-help', secretError && 'model-key-secret-error')}
            value={isLocal ? '' : secret}
            onChange={(e) => setSecret(e.target.value)}
          >
            <option value="">No key</option>
            {secrets.data?.secrets.map((known) => (
              <option key={known.name} value={known.name}>
                {secretLabel(known)}
              </option>
            ))}
          </select>
          <FieldError id="model-key-secret-error" message={secretError} />
          <small id="model-key-secret-help">
            {isLocal
              ? 'A local model takes no key.'
              : 'Keys are configured on the server by an admin and sent only to the hosts listed with them.'}
            {!isLocal && secrets.data?.secrets.length === 0 ? ' None is configured yet.' : null}
          </small>
          {secrets.error ? (
            <small className="field__error">Could not load the configured keys: {secrets.error.message}</small>
          ) : null}
        </div>
        <div className="field field--short">
          <label htmlFor="model-concurrency">Max concurrency</label>
          <input
            id="model-concurrency"
            type="number"
            min={1}
            max={1024}
            step={1}
            required
            value={maxConcurrency}
            onChange={(e) => setMaxConcurrency(e.target.value)}
          />
        </div>
        <div className="field field--short">
          <label htmlFor="model-timeout">Timeout (seconds)</label>
          <input
            id="model-timeout"
            type="number"
            min={1}
            max={MAX_TIMEOUT_S}
            step="any"
            required
            value={timeout}
            onChange={(e) => setTimeoutS(e.target.value)}
          />
        </div>
      </div>
      <div className="field">
        <label htmlFor="model-default-params">Default params (JSON object, optional)</label>
        <textarea
          id="model-default-params"
          rows={3}
          spellCheck={false}
          placeholder='{"temperature": 0.7, "max_tokens": 1024}'
          aria-invalid={paramsError ? true : undefined}
          aria-describedby={paramsError ? 'model-default-params-error' : undefined}
          value={defaultParams}
          onChange={(e) => {
            setDefaultParams(e.target.value);
            if (paramsError) setParamsError(null);
          }}
        />
        {paramsError ? (
          <small id="model-default-params-error" className="field__error" role="alert">
            {paramsError}
          </small>
        ) : null}
      </div>
      <div className="form__actions">
        <button type="submit" className="button button--primary" disabled={create.isPending}>
          {create.isPending ? 'Adding…' : 'Add model'}
        </button>
      </div>
    </form>
  );
}
