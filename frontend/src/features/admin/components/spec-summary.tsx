import { Markdown } from '@/components/markdown';
import type { CampaignDetail } from '@/lib/api-types';

import { formatDate } from '../utils/format';

import { ProgressBar } from './progress-bar';
import { StatusBadge } from './status-badge';

export function SpecSummary({ campaign }: { campaign: CampaignDetail }) {
  const { spec, progress } = campaign;
  return (
    <section className="card" aria-labelledby="spec-title">
      <h2 id="spec-title">Campaign</h2>
      <dl className="summary">
        <dt>Slug</dt>
        <dd className="mono">{campaign.slug}</dd>
        <dt>Status</dt>
        <dd>
          <StatusBadge status={campaign.status} />
        </dd>
        <dt>Version</dt>
        <dd>{campaign.version}</dd>
        <dt>Judgments per item (K)</dt>
        <dd>{campaign.redundancy}</dd>
        <dt>Created</dt>
        <dd>{formatDate(campaign.created_at)}</dd>
        <dt>Items complete</dt>
        <dd>
          <ProgressBar value={progress.items_complete} max={progress.items} label="Items complete" />
        </dd>
        <dt>Judgments</dt>
        <dd>
          <ProgressBar value={progress.judgments} max={progress.judgments_target} label="Judgments" />
        </dd>
      </dl>
      <h3>Questions</h3>
      <ul className="question-list">
        {(spec?.questions ?? []).map((q) => (
          <li key={q.id}>
            <span className="badge">{q.kind}</span> <span className="mono">{q.id}</span> — {q.prompt}
            {q.kind === 'pairwise' ? (
              <span className="muted">
                {' '}
                (tie {q.allow_tie ? 'allowed' : 'not allowed'}, both bad {q.allow_both_bad ? 'allowed' : 'not allowed'})
              </span>
            ) : null}
          </li>
        ))}
      </ul>
      <details>
        <summary>Guidelines</summary>
        {spec?.guidelines?.trim() ? <Markdown text={spec.guidelines} source="trusted" /> : <p className="muted">None.</p>}
      </details>
    </section>
  );
}
