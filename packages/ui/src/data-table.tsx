import type { ReactNode } from 'react';

export interface DataTableProps {
  /** The column headings, in order. */
  headers: ReactNode[];
  /** Shown across the whole row when there are no rows. */
  empty: ReactNode;
  isEmpty: boolean;
  /** `data-testid` of the table, for browser tests. */
  testId?: string;
  /** The `<tr>` rows. */
  children?: ReactNode;
}

/** The platform's table: scrolls sideways on narrow screens and says so when it has no rows. */
export function DataTable({ headers, empty, isEmpty, testId, children }: DataTableProps) {
  return (
    <div className="table-wrap">
      <table className="data-table" data-testid={testId}>
        <thead>
          <tr>
            {headers.map((header, i) => (
              <th key={i}>{header}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {isEmpty ? (
            <tr>
              <td colSpan={headers.length} className="empty">
                {empty}
              </td>
            </tr>
          ) : null}
          {children}
        </tbody>
      </table>
    </div>
  );
}
