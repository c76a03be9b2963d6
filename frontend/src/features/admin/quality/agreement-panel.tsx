import { useState } from 'react';

import { ErrorMessage } from '@/components/ui/error-message';
import { Loading } from '@/components/ui/spinner';
import { isApiError } from '@/lib/api-client';

import { AgreementChart } from './agreement-chart';
import { useAgreement, type AgreementBucket, type QualityFilters } from './api';

const alpha = (value: number | null) => (value === null ? '–' : value.toFixed(3));
const share = (value: number | null) => (value === null ? '–' : `${Math.round(value * 100)}%`);

type Stats = { alpha: number | null; raw: number | null; units: number };

/** The headings and cells every agreement row ends with. */
const StatHeadings = () => (
  <>
    <th scope="col">Alpha</th>
    <th scope="col">Raw agreement</th>
    <th scope="col">Units</th>
  </>
);
const StatCells = ({ stats }: { stats: Stats }) => (
  <>
    <td>{alpha(stats.alpha)}</td>
    <td>{share(stats.raw)}</td>
    <td>{stats.units}</td>
  </>
);

/**
 * Inter-annotator agreement: Krippendorff's alpha at each question's level of measurement, raw
 * pairwise agreement, alpha over time, and agreement within each annotator group.
 */
export function AgreementPanel({ slug, filters }: { slug: string; filters: QualityFilters }) {
  const [bucket, setBucket] = useState<AgreementBucket>('day');
  const agreement = useAgreement(slug, filters, bucket);
  const data = agreement.data;
  // The leaderboard above already says which group fields exist.
  const groupError = isApiError(agreement.error, 'unknown_group_field');
  return (
    <div className="stack" data-testid="agreement-panel">
      <h3>Agreement</h3>
      {agreement.error && !groupError ? <ErrorMessage error={agreement.error} /> : null}
      {agreement.isPending ? <Loading /> : null}
      {data ? (
        data.measures.length === 0 ? (
          <p className="muted">No question here can be agreed on (free text only).</p>
        ) : (
          <>
            <p className="muted">
              {data.judgments} current judgments. Alpha is Krippendorff's (1 perfect, 0 chance, below 0 worse than chance); raw
              agreement is the share of annotator pairs who gave the same answer on a unit.
            </p>
            <table className="table" aria-label="Agreement per question">
              <thead>
                <tr>
                  <th scope="col">Question</th>
                  <th scope="col">Level</th>
                  <StatHeadings />
                </tr>
              </thead>
              <tbody>
                {data.measures.map((m) => (
                  <tr key={m.measure}>
                    <td>{m.measure}</td>
                    <td>{m.level}</td>
                    <StatCells stats={m} />
                  </tr>
                ))}
              </tbody>
            </table>
            <div className="field field--short">
              <label htmlFor="agreement-bucket">Alpha per</label>
              <select id="agreement-bucket" value={bucket} onChange={(e) => setBucket(e.target.value as AgreementBucket)}>
                <option value="day">day</option>
                <option value="week">week</option>
                <option value="month">month</option>
              </select>
            </div>
            <AgreementChart points={data.timeline} measures={data.measures.map((m) => m.measure)} />
            {data.groups.length > 0 ? (
              <table className="table" aria-label="Agreement per group">
                <thead>
                  <tr>
                    <th scope="col">{data.group_by}</th>
                    <th scope="col">Annotators</th>
                    <th scope="col">Question</th>
                    <StatHeadings />
                  </tr>
                </thead>
                <tbody>
                  {data.groups.map((g) => (
                    <tr key={`${g.group}/${g.measure}`}>
                      <td>{g.group}</td>
                      <td>{g.annotators}</td>
                      <td>{g.measure}</td>
                      <StatCells stats={g} />
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : null}
          </>
        )
      ) : null}
    </div>
  );
}
