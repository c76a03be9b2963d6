import { useState } from 'react';

import { ErrorMessage } from '@/components/ui/error-message';
import { Loading } from '@/components/ui/spinner';

import { useAnnotators, useSetStanding, type AnnotatorReliability, type Standing } from './annotators-api';

/** The measures shown as columns, in the order a researcher reads them. */
const MEASURES = [
  ['gold_accuracy', 'Gold'],
  ['peer_agreement', 'Peer agreement'],
  ['left_share', 'Left share'],
  ['speed_ratio', 'Speed'],
  ['straight_lining', 'Straight-lining'],
  ['skip_rate', 'Skips'],
  ['report_rate', 'Reports'],
] as const;

type SortKey = 'username' | 'score' | 'judgments' | 'standing' | (typeof MEASURES)[number][0];
const STANDING_ORDER = { excluded: 0, flagged: 1, ok: 2 } as const;
const BADGE = { excluded: 'badge--failed', flagged: 'badge--paused', ok: 'badge--active' } as const;

const number = (value: number | null | undefined) => (value === null || value === undefined ? '–' : value.toFixed(2));

function sortValue(a: AnnotatorReliability, key: SortKey): number | string {
  if (key === 'username') return a.username.toLowerCase();
  if (key === 'score') return a.score ?? -1;
  if (key === 'judgments') return a.judgments;
  if (key === 'standing') return STANDING_ORDER[a.standing];
  return a.evidence[key]?.value ?? -1;
}

const ACTIONS: { standing: Standing; label: string }[] = [
  { standing: 'flagged', label: 'Flag' },
  { standing: 'excluded', label: 'Exclude' },
  { standing: 'ok', label: 'Restore' },
];

/** Flag / Exclude / Restore with a reason, for one annotator. */
function StandingActions({ slug, annotator }: { slug: string; annotator: AnnotatorReliability }) {
  const [reason, setReason] = useState('');
  const change = useSetStanding(slug);
  const id = `standing-reason-${annotator.user_id}`;
  return (
    <div className="stack">
      <label htmlFor={id} className="visually-hidden">
        Reason for {annotator.username}
      </label>
      <input id={id} value={reason} maxLength={500} placeholder="reason" onChange={(e) => setReason(e.target.value)} />
      <div>
        {ACTIONS.filter((a) => a.standing !== annotator.standing).map((a) => (
          <button
            key={a.standing}
            type="button"
            className="button button--small"
            disabled={change.isPending}
            aria-label={`${a.label} ${annotator.username}`}
            onClick={() => change.mutate({ userId: annotator.user_id, standing: a.standing, reason }, { onSuccess: () => setReason('') })}
          >
            {a.label}
          </button>
        ))}
      </div>
      {change.error ? <ErrorMessage error={change.error} /> : null}
    </div>
  );
}

/**
 * The annotator table: each annotator's reliability score (gold and attention checks weigh most,
 * then agreement with their own group's peers; position bias, speed and straight-lining lower it),
 * every measure with the evidence n it rests on, their standing with its reason, and the
 * researcher's Flag / Exclude / Restore. Sortable by any column; lowest score first.
 */
export function AnnotatorsPanel({ slug }: { slug: string }) {
  const annotators = useAnnotators(slug);
  const [sort, setSort] = useState<{ key: SortKey; ascending: boolean }>({ key: 'score', ascending: true });
  const data = annotators.data;
  const rows = [...(data?.annotators ?? [])].sort((a, b) => {
    const x = sortValue(a, sort.key);
    const y = sortValue(b, sort.key);
    const order = x < y ? -1 : x > y ? 1 : a.user_id - b.user_id;
    return sort.ascending ? order : -order;
  });
  const header = (key: SortKey, label: string) => (
    <th key={key} scope="col" aria-sort={sort.key === key ? (sort.ascending ? 'ascending' : 'descending') : 'none'}>
      <button
        type="button"
        className="button button--ghost button--small"
        onClick={() => setSort((s) => ({ key, ascending: s.key === key ? !s.ascending : true }))}
      >
        {label}
      </button>
    </th>
  );
  const flagged = rows.filter((a) => a.standing !== 'ok').length;
  return (
    <div className="stack" data-testid="annotators-panel">
      <h3>Annotators</h3>
      {annotators.error ? <ErrorMessage error={annotators.error} /> : null}
      {annotators.isPending ? <Loading /> : null}
      {data ? (
        data.annotators.length === 0 ? (
          <p className="muted">No annotator has judged anything here yet.</p>
        ) : (
          <>
            <p className="muted">
              {data.annotators.length} annotators, {flagged} flagged or excluded. Peer agreement is measured within{' '}
              {data.grouping === 'viewpoints' ? 'the viewpoints their answers show' : `each ${data.grouping}`}, so a group that
              prefers something else is not scored as noise. Each measure shows its evidence n;{' '}
              {data.rules.length === 0 ? 'the campaign sets no quality rules.' : `${data.rules.length} quality rule(s) apply.`}
            </p>
            <div className="table-wrap">
            <table className="table" aria-label="Annotator reliability">
              <thead>
                <tr>
                  {header('username', 'Annotator')}
                  <th scope="col">Group</th>
                  {header('judgments', 'Judgments')}
                  {header('score', 'Score')}
                  {MEASURES.map(([key, label]) => header(key, label))}
                  {header('standing', 'Standing')}
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((a) => (
                  <tr key={a.user_id} data-standing={a.standing}>
                    <td>{a.username}</td>
                    <td>{a.group ?? '–'}</td>
                    <td>{a.judgments}</td>
                    <td>{number(a.score)}</td>
                    {MEASURES.map(([key]) => {
                      const e = a.evidence[key];
                      return (
                        <td key={key} title={key === 'left_share' && e?.p_value != null ? `binomial p = ${e.p_value}` : undefined}>
                          {number(e?.value)}
                          <span className="muted"> n={e?.n ?? 0}</span>
                        </td>
                      );
                    })}
                    <td>
                      <span className={`badge ${BADGE[a.standing]}`}>{a.standing}</span>
                      {a.standing_source ? <span className="muted"> ({a.standing_source})</span> : null}
                      {a.standing_reason ? <div className="muted">{a.standing_reason}</div> : null}
                      {a.fired_rules.length > 0 && a.standing === 'ok' ? (
                        <div className="muted">rules: {a.fired_rules.join('; ')}</div>
                      ) : null}
                    </td>
                    <td>
                      <StandingActions slug={slug} annotator={a} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            </div>
          </>
        )
      ) : null}
    </div>
  );
}
