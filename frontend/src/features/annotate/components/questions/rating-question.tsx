import type { RatingQuestion } from '@/lib/api-types';

import { scaleOf, setScore, type RatingDraft } from '../../questions/rating';

import { ScaleRadios } from './scale-radios';
import type { QuestionViewProps } from './types';

/** Per candidate, one radio scale per attribute. */
export function RatingQuestionView({ question, draft, ctx, disabled, onChange }: QuestionViewProps<RatingQuestion, RatingDraft>) {
  return (
    <div className="per-candidate">
      {ctx.labels.map((label) => (
        <div key={label} className="per-candidate__entry" role="group" aria-label={`Response ${label}`}>
          <h3 className="per-candidate__title">Response {label}</h3>
          <div className="scale-grid">
            {question.attributes.map((attribute) => (
              <ScaleRadios
                key={attribute.id}
                name={`${question.id}-${label}-${attribute.id}`}
                legend={attribute.label}
                description={attribute.description || undefined}
                scale={scaleOf(attribute)}
                value={draft.scores[label]?.[attribute.id]}
                required={attribute.required ?? true}
                disabled={disabled}
                testIdPrefix={`score-${label}-${attribute.id}`}
                onChange={(value) => onChange(setScore(draft, label, attribute.id, value))}
              />
            ))}
          </div>
        </div>
      ))}
    </div>
  );
}
