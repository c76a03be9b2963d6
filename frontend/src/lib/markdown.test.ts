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

const OWN = `/api/media/${'ab'.repeat(32)}`;

// Every attribute with which an element fetches a URL on its own.
function loadedUrls(dom: Element): string[] {
  return Array.from(dom.querySelectorAll('*')).flatMap((el) =>
    ['src', 'srcset', 'poster', 'background', 'data'].flatMap((name) => {
      const value = el.getAttribute(name);
      return value === null ? [] : [value];
    }),
  );
}

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
    const dom = toDom(renderMarkdown(`<details><summary>More</summary>hi</details>\n\n<img src="${OWN}" onerror="x()">`, 'trusted'));
    expect(dom.querySelector('details summary')?.textContent).toBe('More');
    const img = dom.querySelector('img');
    expect(img?.getAttribute('src')).toBe(OWN);
    expect(img?.hasAttribute('onerror')).toBe(false);
  });

  it('opens links in a new tab without leaking the opener', () => {
    const link = toDom(renderMarkdown('[docs](https://example.org)')).querySelector('a');
    expect(link?.getAttribute('target')).toBe('_blank');
    expect(link?.getAttribute('rel')).toContain('noopener');
  });

  it('replaces an external image in model text with a note naming it, loading nothing', () => {
    const pixel = 'https://tracker.example/p.gif?annotator=7';
    const dom = toDom(renderMarkdown(`Nice answer ![](${pixel}) indeed`));
    expect(dom.querySelector('img')).toBeNull();
    expect(loadedUrls(dom)).toEqual([]);
    const note = dom.querySelector('.external-image-blocked');
    expect(note?.textContent).toBe(`external image blocked: ${pixel}`);
    const link = note?.querySelector('a');
    expect(link?.getAttribute('href')).toBe(pixel);
    expect(link?.getAttribute('rel')).toContain('noreferrer');
    expect(link?.getAttribute('target')).toBe('_blank');
  });

  it('loads nothing from elsewhere in trusted HTML, whatever the element or attribute', () => {
    const hostile = [
      '<img src="//tracker.example/a.gif">',
      '<img src="http://127.0.0.1:9/b.gif" alt="b">',
      `<img src="${OWN}" srcset="https://tracker.example/c.gif 2x">`,
      '<img src="/elsewhere/d.gif">',
      '<video src="https://tracker.example/v.mp4" poster="https://tracker.example/p.jpg"><source src="https://tracker.example/s.mp4"><track src="https://tracker.example/t.vtt"></video>',
      '<audio src="https://tracker.example/a.mp3"></audio>',
      '<table background="https://tracker.example/bg.gif"><tr><td background="https://tracker.example/td.gif">x</td></tr></table>',
      '<picture><source srcset="https://tracker.example/e.webp"><img src="https://tracker.example/e.gif"></picture>',
    ].join('\n\n');
    for (const source of ['model', 'trusted'] as const) {
      const dom = toDom(renderMarkdown(hostile, source));
      expect(loadedUrls(dom).filter((url) => url !== OWN), source).toEqual([]);
    }
    const trusted = toDom(renderMarkdown(hostile, 'trusted'));
    const notes = Array.from(trusted.querySelectorAll('.external-image-blocked')).map((n) => n.textContent);
    expect(notes).toEqual([
      'external image blocked: //tracker.example/a.gif',
      'external image blocked: http://127.0.0.1:9/b.gif',
      'external image blocked: /elsewhere/d.gif',
      'external image blocked: https://tracker.example/e.gif',
    ]);
  });

  it("keeps this server's media and inline images", () => {
    const data = 'data:image/png;base64,iVBORw0KGgo=';
    const absolute = `${window.location.origin}${OWN}`;
    const dom = toDom(renderMarkdown(`![a](${OWN}) ![b](${absolute}) <img src="${data}">`, 'trusted'));
    expect(Array.from(dom.querySelectorAll('img')).map((img) => img.getAttribute('src'))).toEqual([OWN, absolute, data]);
    expect(dom.querySelector('.external-image-blocked')).toBeNull();
  });
});
