import type { NegativeOnlyQuestion } from '@/lib/api-types';

import { toggleReason, toggleUnacceptable, type NegativeOnlyDraft } from '../../questions/negative-only';

import type { QuestionViewProps } from './types';

/** Nothing marked is a valid answer; a marked response reveals its reason checkboxes. */
export function NegativeOnlyQuestionView({ question, draft, ctx, disabled, onChange }: QuestionViewProps<NegativeOnlyQuestion, NegativeOnlyDraft>) {
  const reasons = question.reasons ?? [];
  const needReason = question.require_reason && reasons.length > 0;
  return (
    <div className="flag-rows">
      {ctx.labels.map((label) => {
        const marked = draft.unacceptable[label];
        const reasonsId = `question-${question.id}-reasons-${label}`;
        return (
          <div key={label} className={`flag-row${marked ? ' flag-row--marked' : ''}`}>
            <button
              type="button"
              className="button flag-row__toggle"
              aria-pressed={Boolean(marked)}
              aria-controls={marked ? reasonsId : undefined}
              data-testid={`unacceptable-${label}`}
              disabled={disabled}
              onClick={() => onChange(toggleUnacceptable(draft, label))}
            >
              {marked ? `Response ${label}: unacceptable ✕` : `Mark Response ${label} unacceptable`}
            </button>
            {marked && reasons.length > 0 ? (
              <fieldset id={reasonsId} className="flag-row__reasons" disabled={disabled}>
                <legend>
                  Why is Response {label} unacceptable?{needReason ? ' (pick at least one)' : ''}
                </legend>
                {reasons.map((reason) => (
                  <label key={reason.id} className="checkbox" title={reason.description || undefined}>
                    <input
                      type="checkbox"
                      checked={marked.includes(reason.id)}
                      data-testid={`reason-${label}-${reason.id}`}
                      onChange={() => onChange(toggleReason(draft, label, reason.id))}
                    />
                    {reason.label}
                  </label>
                ))}
              </fieldset>
            ) : null}
          </div>
        );
      })}
    </div>
  );
}
