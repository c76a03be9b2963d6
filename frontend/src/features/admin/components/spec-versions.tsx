import { useState } from 'react';

import { ErrorMessage } from '@/components/ui/error-message';
import { Loading } from '@/components/ui/spinner';

import { useSpecDiff, useSpecVersions } from '../api/get-spec-versions';
import { formatDate } from '../utils/format';

import { DataTable } from './data-table';
import { SpecChangesTable } from './spec-changes';

/** The campaign's spec versions with the judgments made under each, and the diff of any two. */
export function SpecVersions({ slug, current }: { slug: string; current: number }) {
  const versions = useSpecVersions(slug);
  // null: follow the newest pair (the previous version against the current one).
  const [picked, setPicked] = useState<{ from: number; to: number } | null>(null);
  const from = picked?.from ?? Math.max(1, current - 1);
  const to = picked?.to ?? current;
  const numbers = versions.data?.versions.map((v) => v.version) ?? [];

  return (
    <section className="card" aria-labelledby="versions-title">
      <h2 id="versions-title">Versions</h2>
      {versions.isPending ? <Loading /> : null}
      {versions.error ? <ErrorMessage error={versions.error} /> : null}
      {versions.data ? (
        <>
          <DataTable label="Spec versions" headings={['Version', 'Saved', 'By', 'Judgments']}>
            {versions.data.versions.map((v) => (
              <tr key={v.version}>
                <td>
                  {v.version}
                  {v.version === versions.data.current ? (
                    <>
                      {' '}
                      <span className="badge">current</span>
                    </>
                  ) : null}
                </td>
                <td>{formatDate(v.created_at)}</td>
                <td>{v.created_by ?? '—'}</td>
                <td>{v.judgments}</td>
              </tr>
            ))}
          </DataTable>
          {numbers.length > 1 ? (
            <>
              <h3>Compare</h3>
              <div className="form form--inline">
                <VersionSelect label="From version" value={from} numbers={numbers} onChange={(v) => setPicked({ from: v, to })} />
                <VersionSelect label="To version" value={to} numbers={numbers} onChange={(v) => setPicked({ from, to: v })} />
              </div>
              <VersionDiff slug={slug} from={from} to={to} />
            </>
          ) : null}
        </>
      ) : null}
    </section>
  );
}

function VersionSelect({ label, value, numbers, onChange }: { label: string; value: number; numbers: number[]; onChange: (version: number) => void }) {
  const id = `spec-${label.toLowerCase().replace(/\s+/g, '-')}`;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => onChange(Number(e.target.value))}>
        {numbers.map((n) => (
          <option key={n} value={n}>
            {n}
          </option>
        ))}
      </select>
    </div>
  );
}

function VersionDiff({ slug, from, to }: { slug: string; from: number; to: number }) {
  const diff = useSpecDiff(slug, from, to);
  if (from === to) return <p className="muted">Pick two different versions.</p>;
  if (diff.isPending) return <Loading />;
  if (diff.error) return <ErrorMessage error={diff.error} />;
  return <SpecChangesTable changes={diff.data.changes} label={`Changes from version ${from} to ${to}`} />;
}
