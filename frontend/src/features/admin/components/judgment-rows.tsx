import { Link } from 'react-router-dom';

import type { BrowsedJudgment } from '@/lib/api-types';

import { formatDate } from '../utils/format';
import { describeAnswers, describeShownOrder, formatTimeSpent } from '../utils/judgments';
import { DataTable } from './data-table';

/** Judgments as a table; `withItem` adds a column linking each to its item. */
export function JudgmentRows({
  slug,
  judgments,
  withItem = false,
  label = 'Judgments',
}: {
  slug: string;
  judgments: BrowsedJudgment[];
  withItem?: boolean;
  label?: string;
}) {
  const headings = ['Judgment', ...(withItem ? ['Item'] : []), 'Annotator', 'Answers', 'Shown as', 'Time spent', 'Revision', 'Made'];
  return (
    <DataTable label={label} headings={headings}>
      {judgments.map((judgment) => (
        <tr key={judgment.id} data-testid={`judgment-row-${judgment.id}`}>
          <td>#{judgment.id}</td>
          {withItem ? (
            <td>
              <Link to={`/admin/campaigns/${slug}/data/items/${judgment.item_id}`}>{judgment.item_external_id}</Link>
            </td>
          ) : null}
          <td>
            <Link className="mono" to={`/admin/campaigns/${slug}/data?tab=judgments&annotator=${encodeURIComponent(judgment.annotator)}`}>
              {judgment.annotator}
            </Link>
          </td>
          <td>
            {describeAnswers(judgment.answers).map((line) => (
              <div key={line} className="mono">
                {line}
              </div>
            ))}
          </td>
          <td>{describeShownOrder(judgment.shown_order)}</td>
          <td>{formatTimeSpent(judgment.time_spent_ms)}</td>
          <td>
            {judgment.revision}
            {judgment.supersedes_id !== null ? ` (replaces #${judgment.supersedes_id})` : ''}
            {judgment.is_current ? '' : ' — undone, replaced'}
          </td>
          <td>{formatDate(judgment.created_at)}</td>
        </tr>
      ))}
    </DataTable>
  );
}
