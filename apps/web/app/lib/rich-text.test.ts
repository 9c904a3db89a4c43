import { expect, test } from 'vitest';
import { paragraphsToHtml } from './rich-text';

test('blank lines make paragraphs, single breaks stay, and markup is shown as typed', () => {
  expect(paragraphsToHtml('第一段\r\n第二行\n\n\n  <b>第二段</b> & "引号"  \n')).toBe('<p>第一段<br>第二行</p>\n<p>&lt;b&gt;第二段&lt;/b&gt; &amp; &quot;引号&quot;</p>');
  expect(paragraphsToHtml('  \n\n ')).toBe('');
});
