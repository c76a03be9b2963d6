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

/**
 * Whether the browser may fetch `url` for an image or media element: only our own media
 * (`/api/media/…` on this origin) and inline `data:` / `blob:` bytes. Anything else would
 * send a request out of the annotator's browser (a tracking pixel in item text, say).
 */
export function isLoadableMediaUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url, window.location.href);
  } catch {
    return false;
  }
  if (parsed.protocol === 'data:' || parsed.protocol === 'blob:') return true;
  return parsed.origin === window.location.origin && parsed.pathname.startsWith('/api/media/');
}

// Attributes with which an element loads a URL by itself, without a click.
const LOADING_ATTRIBUTES = ['src', 'poster', 'background'];

function blockedImage(node: Element, url: string): Element {
  const doc = node.ownerDocument;
  const note = doc.createElement('span');
  note.className = 'external-image-blocked';
  note.appendChild(doc.createTextNode('external image blocked: '));
  let web = false;
  try {
    web = ['http:', 'https:'].includes(new URL(url, window.location.href).protocol);
  } catch {
    web = false;
  }
  if (web) {
    // Only a click opens it, in a new tab that learns nothing about this page.
    const link = doc.createElement('a');
    link.setAttribute('href', url);
    link.setAttribute('target', '_blank');
    link.setAttribute('rel', 'noopener noreferrer nofollow');
    link.textContent = url;
    note.appendChild(link);
  } else {
    note.appendChild(doc.createTextNode(url));
  }
  return note;
}

let hooksInstalled = false;
function installHooks() {
  if (hooksInstalled) return;
  hooksInstalled = true;
  DOMPurify.addHook('afterSanitizeAttributes', (node) => {
    if (node.tagName === 'A' && node.hasAttribute('href')) {
      node.setAttribute('target', '_blank');
      node.setAttribute('rel', 'noopener noreferrer nofollow');
    }
    for (const name of LOADING_ATTRIBUTES) {
      const url = node.getAttribute?.(name);
      if (url === null || url === undefined || isLoadableMediaUrl(url)) continue;
      if (node.tagName === 'IMG' && name === 'src') {
        node.replaceWith(blockedImage(node, url));
        return;
      }
      node.removeAttribute(name);
    }
  });
}

const PURIFY_CONFIG = {
  USE_PROFILES: { html: true },
  FORBID_TAGS: ['style', 'form', 'input', 'button', 'textarea', 'select', 'iframe', 'object', 'embed'],
  // srcset names more URLs to load; nothing we render needs it.
  FORBID_ATTR: ['style', 'srcset'],
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
