import { ErrorMessage } from '@/components/ui/error-message';
import type { ModelEndpoint, ProviderKind } from '@/lib/api-types';

import { useTestModel } from '../api/test-model';

export const PROVIDER_LABELS: Record<ProviderKind, string> = {
  openai_chat: 'OpenAI-compatible chat',
  openai_image: 'OpenAI-compatible images',
  local_hf: 'Local Hugging Face',
};

const MAX_REPLY = 300;

function TestCell({ model }: { model: ModelEndpoint }) {
  const test = useTestModel();
  const result = test.data;
  return (
    <td className="model-test">
      <button
        type="button"
        className="button button--small"
        disabled={test.isPending}
        aria-label={`Test ${model.name}`}
        onClick={() => test.mutate(model.name)}
      >
        {test.isPending ? 'Testing…' : 'Test'}
      </button>
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
        {test.error ? <ErrorMessage error={test.error} /> : null}
      </div>
    </td>
  );
}

export function ModelsTable({ models }: { models: ModelEndpoint[] }) {
  if (models.length === 0) {
    return <p className="muted">No model endpoints yet. Add one below to generate candidates.</p>;
  }
  return (
    <div className="table-wrap">
      <table className="table">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Provider</th>
            <th scope="col">Model</th>
            <th scope="col">Base URL</th>
            <th scope="col">Key env var</th>
            <th scope="col">Max concurrency</th>
            <th scope="col">Timeout</th>
            <th scope="col">
              <span className="visually-hidden">Test</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {models.map((m) => (
            <tr key={m.id}>
              <td className="mono">
                <strong>{m.name}</strong>
              </td>
              <td title={m.provider}>{PROVIDER_LABELS[m.provider] ?? m.provider}</td>
              <td className="mono">{m.model}</td>
              <td className="mono table__url">{m.base_url}</td>
              <td className="mono">{m.api_key_secret || '—'}</td>
              <td>{m.max_concurrency}</td>
              <td>{m.timeout_s} s</td>
              <TestCell model={m} />
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
