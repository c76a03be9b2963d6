import { ChatContext } from '@/components/content/chat-context';
import { MessageContent } from '@/components/content/message-content';
import type { BrowsedCandidate, ItemDetail } from '@/lib/api-types';

import { formatDate } from '../utils/format';
import { GoldSection } from './gold/gold-section';
import { LETTERS } from './gold/gold-draft';
import { JudgmentRows } from './judgment-rows';
import { StatusBadge } from './status-badge';

/** One item as annotators see it (the same renderers, media included), with everything recorded about it. */
export function ItemDetailView({ slug, detail }: { slug: string; detail: ItemDetail }) {
  const { item } = detail;
  return (
    <div className="stack">
      <section className="card stack" aria-labelledby="item-state-title">
        <h2 id="item-state-title">State</h2>
        <dl className="summary">
          <dt>Status</dt>
          <dd>
            <StatusBadge status={item.status} />
          </dd>
          <dt>Served</dt>
          <dd data-testid="not-served-because">{item.not_served_because ?? 'yes: annotators get it'}</dd>
          <dt>Judgments</dt>
          <dd>
            {item.n_judgments} of {item.wanted}
            {detail.open_leases > 0 ? `, ${detail.open_leases} leased now` : ''}
            {item.has_disagreement ? ' — they disagree' : ''}
          </dd>
          <dt>Round</dt>
          <dd>{item.round}</dd>
          <dt>Language</dt>
          <dd>{item.language ?? '—'}</dd>
          <dt>Gold</dt>
          <dd>{item.is_gold ? 'yes' : 'no'}</dd>
        </dl>
      </section>
      <section className="card stack" aria-labelledby="item-context-title">
        <h2 id="item-context-title">Context</h2>
        <ChatContext messages={detail.context} />
      </section>
      <section className="card stack" aria-labelledby="item-candidates-title">
        <h2 id="item-candidates-title">Candidates</h2>
        {detail.candidates.length === 0 ? <p className="muted">No candidates yet.</p> : null}
        <div className="candidates">
          {detail.candidates.map((candidate) => (
            <CandidateCard key={candidate.id} candidate={candidate} />
          ))}
        </div>
      </section>
      <GoldSection slug={slug} detail={detail} />
      <section className="card stack" aria-labelledby="item-judgments-title">
        <h2 id="item-judgments-title">Judgments</h2>
        {detail.judgments.length === 0 ? (
          <p className="muted">No judgments yet.</p>
        ) : (
          <JudgmentRows slug={slug} judgments={detail.judgments} label="Judgments of this item" />
        )}
      </section>
      {detail.reports.length > 0 ? (
        <section className="card stack" aria-labelledby="item-reports-title">
          <h2 id="item-reports-title">Reports</h2>
          <ul>
            {detail.reports.map((report) => (
              <li key={report.id}>
                <span className="mono">{report.annotator}</span> ({formatDate(report.created_at)}): {report.reason}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </div>
  );
}

function CandidateCard({ candidate }: { candidate: BrowsedCandidate }) {
  const params = Object.keys(candidate.model_params).length > 0 ? JSON.stringify(candidate.model_params) : null;
  return (
    <article className="candidate" aria-label={`Candidate #${candidate.id}`} data-testid={`candidate-${candidate.id}`}>
      <header className="candidate__title">
        {LETTERS[candidate.position]} · #{candidate.id} · {candidate.model_name ?? 'no model named'}
        {candidate.round > 0 ? ` · round ${candidate.round}` : ''}
      </header>
      <MessageContent parts={candidate.content} />
      <p className="muted">
        {params ? <span className="mono">{params}</span> : 'no parameters recorded'}
        {candidate.latency_ms !== null ? ` · ${candidate.latency_ms} ms` : ''} · {formatDate(candidate.created_at)}
      </p>
    </article>
  );
}
