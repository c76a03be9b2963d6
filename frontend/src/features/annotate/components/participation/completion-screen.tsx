import { useEffect, useRef, useState } from 'react';

import type { CompletionState } from '@/lib/api-types';

import { safeUrl } from '../../utils/safe-url';

const REDIRECT_SECONDS = 8;

/** A crowd participant reached the target: the completion code, and the way back to the platform. */
export function CompletionScreen({ completion }: { completion: CompletionState }) {
  const url = safeUrl(completion.url);
  const codeRef = useRef<HTMLElement>(null);
  const [copied, setCopied] = useState<string | null>(null);
  const [counting, setCounting] = useState(url !== null);
  const [secondsLeft, setSecondsLeft] = useState(REDIRECT_SECONDS);

  useEffect(() => {
    if (!url || !counting) return;
    const redirect = window.setTimeout(() => window.location.assign(url), REDIRECT_SECONDS * 1000);
    const tick = window.setInterval(() => setSecondsLeft((s) => Math.max(0, s - 1)), 1000);
    return () => {
      window.clearTimeout(redirect);
      window.clearInterval(tick);
    };
  }, [url, counting]);

  const copy = async () => {
    const code = completion.code ?? '';
    try {
      await navigator.clipboard.writeText(code);
      setCopied('Copied.');
    } catch {
      // No clipboard access (an insecure origin, or denied): select it for Ctrl+C instead.
      const node = codeRef.current;
      if (node) window.getSelection()?.selectAllChildren(node);
      setCopied('Selected: press Ctrl+C (or ⌘C) to copy.');
    }
  };

  return (
    <section className="done card completion" data-testid="completion" aria-labelledby="completion-title">
      <h1 id="completion-title">Thank you — you have finished</h1>
      <p>
        You completed {completion.done} of {completion.target} tasks.
      </p>
      {completion.code ? (
        <>
          <p id="completion-code-label">Your completion code:</p>
          <p className="completion__code-row">
            <code ref={codeRef} className="completion__code" data-testid="completion-code" aria-labelledby="completion-code-label">
              {completion.code}
            </code>
            <button type="button" className="button" onClick={copy}>
              Copy code
            </button>
          </p>
          <p className="muted" role="status">
            {copied}
          </p>
        </>
      ) : null}
      {url ? (
        <>
          <a className="button button--primary" href={url} data-testid="completion-link">
            Return to the study
          </a>
          {counting ? (
            <p className="muted">
              Taking you back to the study in {secondsLeft} s.{' '}
              <button type="button" className="button button--ghost button--small" onClick={() => setCounting(false)}>
                Stay on this page
              </button>
            </p>
          ) : null}
        </>
      ) : (
        <p>Enter the code on the study platform to record your submission.</p>
      )}
    </section>
  );
}
