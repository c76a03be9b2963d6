import { Link } from 'react-router-dom';

import { seg } from '@/lib/api-client';
import type { FeedbackSource } from '@/lib/api-types';

import { DataTable } from '../components/data-table';
import { formatDate } from '../utils/format';

const HEADINGS = ['Name', 'Slug', 'Conversations', 'Events', 'Created'];

export function SourcesTable({ sources }: { sources: FeedbackSource[] }) {
  return (
    <DataTable label="Feedback sources" headings={HEADINGS}>
      {sources.map((source) => (
        <tr key={source.slug} data-testid={`source-row-${source.slug}`}>
          <td>
            <Link to={`/admin/feedback-sources/${seg(source.slug)}`}>{source.name}</Link>
          </td>
          <td className="mono">{source.slug}</td>
          <td>{source.conversations.toLocaleString()}</td>
          <td>{source.events.toLocaleString()}</td>
          <td>{formatDate(source.created_at)}</td>
        </tr>
      ))}
    </DataTable>
  );
}
