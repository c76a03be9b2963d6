import type { AnswerWarning, SpecChange } from '@/lib/api-types';

import { DataTable } from './data-table';

/** A spec value in one line: absent for what was added or removed, JSON otherwise. */
function SpecValue({ value, present }: { value: unknown; present: boolean }) {
  if (!present) return <span className="muted">—</span>;
  return <code className="mono">{JSON.stringify(value)}</code>;
}

/** The changes between two specs, one row per JSON path, before and after. */
export function SpecChangesTable({ changes, label }: { changes: SpecChange[]; label: string }) {
  if (changes.length === 0) return <p className="muted">No changes.</p>;
  return (
    <DataTable label={label} headings={['Path', 'Change', 'Before', 'After']}>
      {changes.map((change) => (
        <tr key={`${change.path} ${change.kind}`}>
          <td className="mono">{change.path}</td>
          <td>{change.kind}</td>
          <td>
            <SpecValue value={change.old} present={change.kind !== 'added'} />
          </td>
          <td>
            <SpecValue value={change.new} present={change.kind !== 'removed'} />
          </td>
        </tr>
      ))}
    </DataTable>
  );
}

export const judgmentCount = (n: number) => `${n} judgment${n === 1 ? '' : 's'}`;

/** What a spec change does to stored answers: each at its field path, with the judgments affected. */
export function AnswerWarningList({ warnings, label }: { warnings: AnswerWarning[]; label: string }) {
  return (
    <ul className="error-list" aria-label={label}>
      {warnings.map((warning) => (
        <li key={`${warning.code} ${warning.path}`}>
          <span className="mono">{warning.path}</span>: {warning.message}
          {warning.affected > 0 ? <strong> ({judgmentCount(warning.affected)} affected)</strong> : null}{' '}
          <span className="muted mono">{warning.code}</span>
        </li>
      ))}
    </ul>
  );
}
