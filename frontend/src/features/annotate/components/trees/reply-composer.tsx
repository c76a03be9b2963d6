import { useState, type KeyboardEvent } from 'react';

import { Markdown } from '@/components/markdown';

import { codePoints } from '../../questions/common';
import { lengthIssue, WRITE_ROLE, type Guidance, type WriteKind } from '../../utils/tree-answers';

type ReplyComposerProps = {
  kind: WriteKind;
  guidance: Guidance;
  value: string;
  disabled: boolean;
  /** What the server rejected about the text, if anything. */
  serverIssue?: string;
  onChange: (text: string) => void;
  /** Ctrl/Cmd+Enter inside the text box. */
  onSubmitShortcut: () => void;
};

/** A Markdown text box with a preview tab, the role it writes as, and a live length check. */
export function ReplyComposer({ kind, guidance, value, disabled, serverIssue, onChange, onSubmitShortcut }: ReplyComposerProps) {
  const [tab, setTab] = useState<'write' | 'preview'>('write');
  const { title, placeholder } = WRITE_ROLE[kind];
  const length = codePoints(value.trim());
  const issue = lengthIssue(value, guidance);
  const showIssue = issue !== null && value.trim() !== '';
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      onSubmitShortcut();
    }
  };
  const tabButton = (id: 'write' | 'preview', label: string) => (
    <button
      type="button"
      role="tab"
      id={`composer-tab-${id}`}
      aria-selected={tab === id}
      aria-controls={`composer-panel-${id}`}
      className={`composer__tab${tab === id ? ' composer__tab--active' : ''}`}
      onClick={() => setTab(id)}
    >
      {label}
    </button>
  );
  return (
    <section className="composer" aria-labelledby="composer-title" data-testid="composer">
      <h2 id="composer-title" className="composer__title">
        {title}
      </h2>
      <div role="tablist" aria-label="Editor" className="composer__tabs">
        {tabButton('write', 'Write')}
        {tabButton('preview', 'Preview')}
      </div>
      {tab === 'write' ? (
        <div id="composer-panel-write" role="tabpanel" aria-labelledby="composer-tab-write" className="field">
          <textarea
            data-testid="composer-text"
            aria-labelledby="composer-title"
            aria-describedby="composer-counter"
            aria-invalid={showIssue || serverIssue ? true : undefined}
            rows={10}
            placeholder={placeholder}
            value={value}
            disabled={disabled}
            onKeyDown={onKeyDown}
            onChange={(e) => onChange(e.target.value)}
          />
        </div>
      ) : (
        <div id="composer-panel-preview" role="tabpanel" aria-labelledby="composer-tab-preview" className="composer__preview">
          {value.trim() ? <Markdown text={value} /> : <p className="muted">Nothing to preview yet.</p>}
        </div>
      )}
      <p id="composer-counter" className={`composer__counter${showIssue ? ' composer__counter--off' : ''}`} data-testid="composer-counter">
        {length} / {guidance.max_length} characters · at least {guidance.min_length}
        {showIssue ? ` · ${issue}` : ''} · Markdown · Ctrl+Enter submits
      </p>
      {serverIssue ? (
        <p className="question__errors" role="alert">
          {serverIssue}
        </p>
      ) : null}
    </section>
  );
}
