import type { PairwiseQuestion } from '@/lib/api-types';

import { ASPECT_CHOICES, asksStrength, choose, setAspect, setStrength, STRENGTHS, type PairwiseDraft } from '../../questions/pairwise';
import { choicesFor } from '../../utils/choices';

import type { QuestionViewProps } from './types';

/** A vs B (tie, both bad) on keys 1–4; then, when asked, strength on 7/8/9; then per-aspect radios. */
export function PairwiseQuestionView({ question, draft, disabled, showKeys, onChange }: QuestionViewProps<PairwiseQuestion, PairwiseDraft>) {
  const strengthAsked = asksStrength(question, draft);
  const aspects = question.aspects ?? [];
  return (
    <>
      <div className="question__choices" role="group" aria-label="Your choice">
        {choicesFor(question).map((option) => (
          <button
            key={option.choice}
            type="button"
            className={`button choice choice--${option.choice}`}
            data-testid={`choice-${option.choice}`}
            aria-label={option.label}
            aria-keyshortcuts={showKeys ? option.key : undefined}
            aria-pressed={draft.choice === option.choice}
            disabled={disabled}
            onClick={() => onChange(choose(draft, option.choice))}
          >
            <span>{option.label}</span>
            {showKeys ? <kbd aria-hidden="true">{option.key}</kbd> : null}
          </button>
        ))}
      </div>
      {strengthAsked ? (
        <div className="question__strength" role="group" aria-label={`How much better is ${draft.choice}?`}>
          <span className="question__sub">How much better is {draft.choice}?</span>
          <div className="question__choices question__choices--3">
            {STRENGTHS.map((option) => (
              <button
                key={option.strength}
                type="button"
                className="button choice"
                data-testid={`strength-${option.strength}`}
                aria-keyshortcuts={showKeys ? option.key : undefined}
                aria-pressed={draft.strength === option.strength}
                disabled={disabled}
                onClick={() => onChange(setStrength(draft, option.strength))}
              >
                <span>{option.label}</span>
                {showKeys ? <kbd aria-hidden="true">{option.key}</kbd> : null}
              </button>
            ))}
          </div>
        </div>
      ) : null}
      {aspects.length > 0 ? (
        <div className="aspects">
          {aspects.map((aspect) => (
            <fieldset key={aspect.id} className="aspect" disabled={disabled}>
              <legend title={aspect.description || undefined}>{aspect.label}</legend>
              <div className="segmented">
                {ASPECT_CHOICES.map((option) => (
                  <label key={option.choice} className="segmented__option">
                    <input
                      type="radio"
                      name={`${question.id}-aspect-${aspect.id}`}
                      value={option.choice}
                      checked={draft.aspects[aspect.id] === option.choice}
                      data-testid={`aspect-${aspect.id}-${option.choice}`}
                      onChange={() => onChange(setAspect(draft, aspect.id, option.choice))}
                    />
                    <span>{option.label}</span>
                  </label>
                ))}
              </div>
            </fieldset>
          ))}
        </div>
      ) : null}
    </>
  );
}
