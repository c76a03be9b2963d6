import { useState } from 'react';

import { ErrorMessage } from '@/components/ui/error-message';
import { Loading } from '@/components/ui/spinner';
import { isApiError } from '@/lib/api-client';

import { AgreementPanel } from './agreement-panel';
import { AnnotatorsPanel } from './annotators-panel';
import { useGroupDisagreement, useLeaderboard, type QualityFilters } from './api';
import { DisagreementList } from './disagreement-list';
import { LeaderboardChart } from './leaderboard-chart';
import { OverviewPanel } from './overview-panel';
import { StandingsTable } from './standings-table';
import { WinRateMatrix } from './win-rate-matrix';
import './quality.css';

const SIMULATED_NOTE: Record<string, string> = {
  excluded: 'Simulated annotators are left out (tick the box to count them).',
  included: 'Simulated annotators are counted.',
  only_simulated: 'Every judgment here comes from simulated annotators.',
};

/** The fields a group-by error says exist (`unknown_group_field`'s details). */
const knownFields = (error: unknown): string[] => {
  if (!isApiError(error, 'unknown_group_field')) return [];
  const details = error.details as { fields?: unknown } | null;
  return Array.isArray(details?.fields) ? details.fields.filter((f): f is string => typeof f === 'string') : [];
};

/** The Quality tab's sub-sections, in page order: the nav links to each by its id. */
export const QUALITY_SECTIONS = [
  ['overview', 'Overview'],
  ['leaderboard', 'Leaderboard'],
  ['agreement', 'Agreement'],
  ['annotators', 'Annotators'],
  ['disagreement', 'Group disagreement'],
] as const;

const sectionId = (key: string) => `quality-${key}`;

/**
 * The campaign's Quality tab: an overview of progress and throughput over time, the model
 * leaderboard (Bradley–Terry ratings with bootstrap 95% intervals) and win-rate matrix, overall and
 * per annotator group, inter-annotator agreement, the annotators, and where the groups disagree.
 * Every part re-reads every QUALITY_POLL_MS while the browser tab is visible, so it is live.
 * Loaded lazily by the campaign page, so its charting library stays out of every other page.
 */
export default function QualitySection({ slug, surveyFields }: { slug: string; surveyFields: string[] }) {
  const [filters, setFilters] = useState<QualityFilters>({ round: null, groupBy: null, includeSimulated: false });
  const [groupDraft, setGroupDraft] = useState('');
  const leaderboard = useLeaderboard(slug, filters);
  const disagreement = useGroupDisagreement(slug, filters);
  const board = leaderboard.data;
  const fields = knownFields(leaderboard.error);
  const chooseGroup = (field: string) => {
    setGroupDraft(field);
    setFilters((f) => ({ ...f, groupBy: field.trim() || null }));
  };
  return (
    <section className="card stack" aria-labelledby="quality-title" data-testid="quality-section">
      <h2 id="quality-title">Quality</h2>
      <nav aria-label="Quality sections" className="quality-nav">
        {QUALITY_SECTIONS.map(([key, label]) => (
          <a key={key} href={`#${sectionId(key)}`}>
            {label}
          </a>
        ))}
      </nav>
      <section className="stack" id={sectionId('overview')} aria-labelledby="quality-overview-title">
        <h3 id="quality-overview-title">Overview</h3>
        <OverviewPanel slug={slug} />
      </section>
      <section className="stack" id={sectionId('leaderboard')} aria-labelledby="quality-leaderboard-title">
      <h3 id="quality-leaderboard-title">Model leaderboard</h3>
      <p className="muted">These choices apply to the leaderboard, agreement and group disagreement below.</p>
      <form
        className="form form--inline"
        onSubmit={(e) => {
          e.preventDefault();
          chooseGroup(groupDraft);
        }}
      >
        <div className="field field--short">
          <label htmlFor="quality-round">Round</label>
          <select
            id="quality-round"
            value={filters.round ?? ''}
            onChange={(e) => setFilters((f) => ({ ...f, round: e.target.value === '' ? null : Number(e.target.value) }))}
          >
            <option value="">all rounds</option>
            {(board?.rounds ?? []).map((r) => (
              <option key={r} value={r}>
                round {r}
              </option>
            ))}
          </select>
        </div>
        <div className="field field--short">
          <label htmlFor="quality-group-by">Group annotators by</label>
          <input
            id="quality-group-by"
            list="quality-group-fields"
            value={groupDraft}
            placeholder="a profile question"
            onChange={(e) => setGroupDraft(e.target.value)}
            onBlur={() => chooseGroup(groupDraft)}
          />
          <datalist id="quality-group-fields">
            {[...surveyFields, 'annotator_group'].map((f) => (
              <option key={f} value={f} />
            ))}
          </datalist>
        </div>
        <label className="checkbox">
          <input
            type="checkbox"
            checked={filters.includeSimulated}
            onChange={(e) => setFilters((f) => ({ ...f, includeSimulated: e.target.checked }))}
          />
          count simulated annotators
        </label>
      </form>
      {fields.length > 0 ? (
        <p role="alert">
          No profile question “{filters.groupBy}” here. Group by:{' '}
          {fields.map((f) => (
            <button key={f} type="button" className="quality-field-choice" onClick={() => chooseGroup(f)}>
              {f}
            </button>
          ))}
        </p>
      ) : leaderboard.error ? (
        <ErrorMessage error={leaderboard.error} />
      ) : null}
      {leaderboard.isPending ? <Loading /> : null}
      {board ? (
        board.question === null ? (
          <p className="muted">This campaign has no pairwise or ranking question, so there is no leaderboard.</p>
        ) : board.overall.models.length === 0 ? (
          <p className="muted">No pairwise judgments between named models yet.</p>
        ) : (
          <>
            <p className="muted">
              {board.overall.judgments} judgments of “{board.question}”. A tie counts half a win each way; “both bad” is left out of
              ratings. {SIMULATED_NOTE[board.simulated] ?? ''}
            </p>
            <LeaderboardChart models={board.overall.models} label="Model ratings with 95% intervals" />
            <StandingsTable models={board.overall.models} label="Model leaderboard" />
            <h4>Win rates</h4>
            <WinRateMatrix models={board.overall.models} matrix={board.overall.matrix} />
            {board.groups.map((g) => (
              <div key={g.group} className="stack">
                <h4>
                  {board.group_by} = {g.group} <span className="muted">({g.annotators} annotators, {g.board.judgments} judgments)</span>
                </h4>
                <LeaderboardChart models={g.board.models} label={`Model ratings for ${g.group}`} />
                <StandingsTable models={g.board.models} label={`Model leaderboard for ${g.group}`} />
              </div>
            ))}
          </>
        )
      ) : null}
      </section>
      <section className="stack" id={sectionId('agreement')}>
        <AgreementPanel slug={slug} filters={filters} />
      </section>
      <section className="stack" id={sectionId('annotators')} aria-label="Annotators">
        <AnnotatorsPanel slug={slug} />
      </section>
      <section className="stack" id={sectionId('disagreement')} aria-labelledby="quality-disagreement-title">
        <h3 id="quality-disagreement-title">Where groups disagree</h3>
        {filters.groupBy && fields.length === 0 ? (
          <>
            {disagreement.isPending ? <Loading /> : null}
            {disagreement.data ? <DisagreementList slug={slug} data={disagreement.data} /> : null}
          </>
        ) : (
          <p className="muted">Choose how to group annotators (above, by the leaderboard) to see where the groups disagree.</p>
        )}
      </section>
    </section>
  );
}
