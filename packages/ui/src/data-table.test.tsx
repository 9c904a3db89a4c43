import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { DataTable } from './data-table';

describe('DataTable', () => {
  it('spans the empty message across every column when there are no rows', () => {
    const html = renderToStaticMarkup(<DataTable testId="t" headers={['标段', '状态', '截止']} isEmpty empty="暂无" />);
    expect(html).toContain('data-testid="t"');
    expect(html).toContain('<th>标段</th><th>状态</th><th>截止</th>');
    expect(html).toContain('<td colSpan="3" class="empty">暂无</td>');
  });

  it('shows the rows and no empty message otherwise', () => {
    const html = renderToStaticMarkup(
      <DataTable headers={['a']} isEmpty={false} empty="暂无">
        <tr>
          <td>row</td>
        </tr>
      </DataTable>,
    );
    expect(html).toContain('<td>row</td>');
    expect(html).not.toContain('暂无');
  });
});
