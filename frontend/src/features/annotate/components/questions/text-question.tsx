import type { KeyboardEvent } from 'react';

import type { TextQuestion } from '@/lib/api-types';

import { codePoints } from '../../questions/common';
import { checkText, isPerCandidate, ITEM_KEY, setText, type TextDraft } from '../../questions/text';

import type { QuestionViewProps } from './types';

type TextQuestionViewProps = QuestionViewProps<TextQuestion, TextDraft> & {
  /** Ctrl/Cmd+Enter inside a text box. */
  onSubmitShortcut: () => void;
};

const PLACEHOLDER: Record<TextQuestion['purpose'], string> = {
  rationale: 'Why did you answer the way you did?',
  critique: 'What is wrong or missing?',
  refinement: 'Edit the response into a better one.',
};

/** One text box for the item, or one per candidate (a refinement starts from the candidate's text). */
export function TextQuestionView({ question, draft, ctx, disabled, onChange, onSubmitShortcut }: TextQuestionViewProps) {
  const keys = isPerCandidate(question) ? ctx.labels : [ITEM_KEY];
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      onSubmitShortcut();
    }
  };
  return (
    <div className="texts">
      {keys.map((key) => {
        const value = draft.texts[key] ?? '';
        const id = key ? `text-${question.id}-${key}` : `text-${question.id}`;
        const length = codePoints(value);
        const problem = value.trim() ? checkText(question, value) : null;
        const over = length > question.max_length;
        return (
          <div key={key || 'item'} className="field text-answer">
            {key ? <label htmlFor={id}>Response {key}</label> : null}
            <textarea
              id={id}
              data-testid={id}
              aria-labelledby={key ? undefined : `question-${question.id}-prompt`}
              aria-describedby={`${id}-counter`}
              aria-invalid={problem ? true : undefined}
              aria-required={question.required || undefined}
              rows={question.purpose === 'refinement' ? 8 : 3}
              placeholder={PLACEHOLDER[question.purpose]}
              value={value}
              disabled={disabled}
              onKeyDown={onKeyDown}
              onChange={(e) => onChange(setText(draft, key, e.target.value))}
            />
            <small id={`${id}-counter`} className={`text-answer__counter${over ? ' text-answer__counter--over' : ''}`}>
              {length} / {question.max_length}
              {question.min_length > 0 ? ` · at least ${question.min_length}` : ''}
              {question.required ? ' · required' : ' · optional'}
              {' · '}Ctrl+Enter submits
            </small>
          </div>
        );
      })}
    </div>
  );
}
