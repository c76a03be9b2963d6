import type { ReactNode } from 'react';

/** A scrollable table with one row of column headings; `children` are the body rows. */
export function DataTable({ label, headings, children }: { label?: string; headings: string[]; children: ReactNode }) {
  return (
    <div className="table-wrap">
      <table className="table" aria-label={label}>
        <thead>
          <tr>
            {headings.map((heading) => (
              <th key={heading} scope="col">
                {heading}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}
