import { useRef, type KeyboardEvent } from 'react';

import type { BinaryQuestion, CandidateLabel, Vote } from '@/lib/api-types';

import { vote, type BinaryDraft } from '../../questions/binary';

import type { QuestionViewProps } from './types';

const KEY_VOTES: Record<string, Vote> = { u: 'up', arrowup: 'up', d: 'down', arrowdown: 'down' };

/**
 * Thumbs up / down per candidate. Keyboard: focus a row (Tab), then U or ↑ = up, D or ↓ = down;
 * after a vote the next row is focused.
 */
export function BinaryQuestionView({ draft, ctx, disabled, onChange }: QuestionViewProps<BinaryQuestion, BinaryDraft>) {
  const rows = useRef<(HTMLDivElement | null)[]>([]);

  const cast = (label: CandidateLabel, value: Vote) => {
    if (disabled) return;
    onChange(vote(draft, label, value));
  };

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>, label: CandidateLabel, index: number) => {
    if (event.ctrlKey || event.metaKey || event.altKey || event.shiftKey) return;
    const value = KEY_VOTES[event.key.toLowerCase()];
    if (!value) return;
    event.preventDefault();
    cast(label, value);
    rows.current[index + 1]?.focus();
  };

  return (
    <>
      <p className="question__sub muted">
        Focus a response row, then <kbd>U</kbd>/<kbd>↑</kbd> for thumbs up or <kbd>D</kbd>/<kbd>↓</kbd> for thumbs down.
      </p>
      <div className="vote-rows">
        {ctx.labels.map((label, index) => {
          const current = draft.votes[label];
          return (
            <div
              key={label}
              ref={(el) => {
                rows.current[index] = el;
              }}
              className={`vote-row${current ? ` vote-row--${current}` : ''}`}
              role="group"
              aria-label={`Response ${label}${current ? `: thumbs ${current}` : ''}`}
              tabIndex={0}
              data-testid={`vote-row-${label}`}
              onKeyDown={(event) => onKeyDown(event, label, index)}
            >
              <span className="vote-row__label">Response {label}</span>
              <span className="vote-row__buttons">
                <button
                  type="button"
                  className="button vote vote--up"
                  aria-pressed={current === 'up'}
                  aria-label={`Thumbs up for Response ${label}`}
                  data-testid={`vote-${label}-up`}
                  disabled={disabled}
                  onClick={() => cast(label, 'up')}
                >
                  <span aria-hidden="true">👍</span> Up
                </button>
                <button
                  type="button"
                  className="button vote vote--down"
                  aria-pressed={current === 'down'}
                  aria-label={`Thumbs down for Response ${label}`}
                  data-testid={`vote-${label}-down`}
                  disabled={disabled}
                  onClick={() => cast(label, 'down')}
                >
                  <span aria-hidden="true">👎</span> Down
                </button>
              </span>
            </div>
          );
        })}
      </div>
    </>
  );
}
