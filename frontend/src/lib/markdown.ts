import DOMPurify from 'dompurify';
import { Marked } from 'marked';

const escapeHtml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

// Model output: raw HTML is shown as the literal text the model wrote, which is both safer and
// what an annotator needs to judge it. Sanitising below still runs as a second line of defence.
const modelMarked = new Marked({
  gfm: true,
  breaks: true,
  async: false,
  renderer: {
    html({ text }) {
      return escapeHtml(text);
    },
  },
});

// Researcher-written guidelines may use raw HTML (tables, <details>), sanitised.
const trustedMarked = new Marked({ gfm: true, breaks: false, async: false });

let hooksInstalled = false;
function installHooks() {
  if (hooksInstalled) return;
  hooksInstalled = true;
  DOMPurify.addHook('afterSanitizeAttributes', (node) => {
    if (node.tagName === 'A' && node.hasAttribute('href')) {
      node.setAttribute('target', '_blank');
      node.setAttribute('rel', 'noopener noreferrer nofollow');
    }
  });
}

const PURIFY_CONFIG = {
  USE_PROFILES: { html: true },
  FORBID_TAGS: ['style', 'form', 'input', 'button', 'textarea', 'select', 'iframe', 'object', 'embed'],
  FORBID_ATTR: ['style'],
};

export function sanitizeHtml(html: string): string {
  installHooks();
  return DOMPurify.sanitize(html, PURIFY_CONFIG);
}

export type MarkdownSource = 'model' | 'trusted';

export function renderMarkdown(markdown: string, source: MarkdownSource = 'model'): string {
  const engine = source === 'model' ? modelMarked : trustedMarked;
  const html = engine.parse(markdown ?? '') as string;
  return sanitizeHtml(html);
}
