import type { PairwiseChoice, PairwiseQuestion as Question } from '@/lib/api-types';

import { choicesFor } from '../utils/choices';

type PairwiseQuestionProps = {
  question: Question;
  selected?: PairwiseChoice;
  disabled: boolean;
  showKeys: boolean;
  onChoose: (choice: PairwiseChoice) => void;
};

export function PairwiseQuestion({ question, selected, disabled, showKeys, onChoose }: PairwiseQuestionProps) {
  const promptId = `question-${question.id}-prompt`;
  return (
    <div className="question" role="group" aria-labelledby={promptId}>
      <p id={promptId} className="question__prompt">
        {question.prompt}
      </p>
      <div className="question__choices">
        {choicesFor(question).map((option) => (
          <button
            key={option.choice}
            type="button"
            className={`button choice choice--${option.choice}`}
            data-testid={`choice-${option.choice}`}
            aria-label={option.label}
            aria-keyshortcuts={showKeys ? option.key : undefined}
            aria-pressed={selected === option.choice}
            disabled={disabled}
            onClick={() => onChoose(option.choice)}
          >
            <span>{option.label}</span>
            {showKeys ? <kbd aria-hidden="true">{option.key}</kbd> : null}
          </button>
        ))}
      </div>
    </div>
  );
}
