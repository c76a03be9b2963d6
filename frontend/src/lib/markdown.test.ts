import { renderMarkdown } from './markdown';

function toDom(html: string) {
  const container = document.createElement('div');
  container.innerHTML = html;
  return container;
}

const HOSTILE = [
  'Sure! <script>window.__pwned = true</script>',
  '<img src="x" onerror="window.__pwned = true">',
  '<a href="javascript:alert(1)" onclick="alert(1)">click</a>',
  '[link](javascript:alert(1))',
].join('\n\n');

describe('renderMarkdown', () => {
  it('renders Markdown formatting', () => {
    const dom = toDom(renderMarkdown('**bold** and `code`\n\n- item'));
    expect(dom.querySelector('strong')?.textContent).toBe('bold');
    expect(dom.querySelector('code')?.textContent).toBe('code');
    expect(dom.querySelector('li')?.textContent).toBe('item');
  });

  it('leaves no script, event handler or javascript: URL in model text', () => {
    for (const source of ['model', 'trusted'] as const) {
      const dom = toDom(renderMarkdown(HOSTILE, source));
      expect(dom.querySelector('script')).toBeNull();
      for (const el of Array.from(dom.querySelectorAll('*'))) {
        for (const attr of Array.from(el.attributes)) {
          expect(attr.name.startsWith('on'), `${source}: ${el.tagName} ${attr.name}`).toBe(false);
          expect(attr.value.toLowerCase()).not.toContain('javascript:');
        }
      }
    }
  });

  it('shows raw HTML from a model as the literal text it wrote', () => {
    const dom = toDom(renderMarkdown('Use <img src=x onerror=alert(1)> here'));
    expect(dom.querySelector('img')).toBeNull();
    expect(dom.textContent).toContain('<img src=x onerror=alert(1)>');
  });

  it('keeps safe HTML in trusted guidelines but strips its handlers', () => {
    const dom = toDom(renderMarkdown('<details><summary>More</summary>hi</details>\n\n<img src="a.png" onerror="x()">', 'trusted'));
    expect(dom.querySelector('details summary')?.textContent).toBe('More');
    const img = dom.querySelector('img');
    expect(img?.getAttribute('src')).toBe('a.png');
    expect(img?.hasAttribute('onerror')).toBe(false);
  });

  it('opens links in a new tab without leaking the opener', () => {
    const link = toDom(renderMarkdown('[docs](https://example.org)')).querySelector('a');
    expect(link?.getAttribute('target')).toBe('_blank');
    expect(link?.getAttribute('rel')).toContain('noopener');
  });
});
