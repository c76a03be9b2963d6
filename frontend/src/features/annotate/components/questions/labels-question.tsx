import type { LabelsQuestion } from '@/lib/api-types';

import { labelScale, PROMPT_KEY, setLabel, specsOf, targetsOf, type LabelsDraft } from '../../questions/labels';

import { ScaleRadios } from './scale-radios';
import type { QuestionViewProps } from './types';

/** Flags (checkboxes) and optional scales, for the prompt's last message or for each candidate. */
export function LabelsQuestionView({ question, draft, ctx, disabled, onChange }: QuestionViewProps<LabelsQuestion, LabelsDraft>) {
  const specs = specsOf(question);
  return (
    <div className="per-candidate">
      {targetsOf(question, ctx.labels).map((target) => {
        const title = target === PROMPT_KEY ? (ctx.subject ?? 'The prompt') : `Response ${target}`;
        const values = draft.values[target] ?? {};
        return (
          <div key={target} className="per-candidate__entry" role="group" aria-label={title}>
            <h3 className="per-candidate__title">{title}</h3>
            <div className="label-grid">
              {specs.map((spec) =>
                spec.type === 'flag' ? (
                  <label key={spec.id} className="checkbox" title={spec.description || undefined}>
                    <input
                      type="checkbox"
                      checked={values[spec.id] === true}
                      disabled={disabled}
                      data-testid={`label-${target}-${spec.id}`}
                      onChange={(e) => onChange(setLabel(draft, target, spec.id, e.target.checked))}
                    />
                    {spec.label}
                  </label>
                ) : (
                  <ScaleRadios
                    key={spec.id}
                    name={`${question.id}-${target}-${spec.id}`}
                    legend={spec.label}
                    description={spec.description || undefined}
                    scale={labelScale(spec)}
                    value={typeof values[spec.id] === 'number' ? (values[spec.id] as number) : undefined}
                    required={false}
                    disabled={disabled}
                    testIdPrefix={`label-${target}-${spec.id}`}
                    onChange={(value) => onChange(setLabel(draft, target, spec.id, value))}
                  />
                ),
              )}
            </div>
          </div>
        );
      })}
    </div>
  );
}
