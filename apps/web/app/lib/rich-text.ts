/**
 * Plain text typed into a textarea as the notice HTML the API stores: blank lines separate
 * paragraphs (<p>), single line breaks stay (<br>), and every character is escaped, so what a
 * person typed is shown as typed. The API sanitises whatever it receives anyway.
 */
export function paragraphsToHtml(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter((p) => p !== '')
    .map((p) => `<p>${escapeHtml(p).replace(/\n/g, '<br>')}</p>`)
    .join('\n');
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
