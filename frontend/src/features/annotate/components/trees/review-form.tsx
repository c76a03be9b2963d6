import type { Question } from '@/lib/api-types';

import type { Draft, Drafts, Issue } from '../../questions';
import { REVIEW_CONTEXT } from '../../utils/tree-answers';
import { QuestionBlock } from '../questions/question-block';
import { QuestionView } from '../questions/question-view';

type ReviewFormProps = {
  questions: Question[];
  acceptable: boolean | null;
  drafts: Drafts;
  issues: Record<string, Issue[]>;
  /** What the server rejected, by question id. */
  rejected: Record<string, Issue[]>;
  attempted: boolean;
  disabled: boolean;
  onAcceptable: (value: boolean) => void;
  onDraft: (questionId: string, draft: Draft) => void;
  onSubmitShortcut: () => void;
};

const ACCEPTABLE = [
  { value: true, label: 'Yes, acceptable', key: 'Y' },
  { value: false, label: 'No, reject it', key: 'N' },
] as const;

/** Is the highlighted message acceptable (required), and the campaign's flags and scales on it. */
export function ReviewForm(props: ReviewFormProps) {
  const { questions, acceptable, drafts, issues, rejected, attempted, disabled, onAcceptable, onDraft, onSubmitShortcut } = props;
  const missing = acceptable === null && attempted;
  return (
    <>
      <fieldset
        className={`question acceptable${missing ? ' question--invalid' : ''}`}
        id="question-acceptable"
        tabIndex={-1}
        disabled={disabled}
        aria-describedby={missing ? 'acceptable-issue' : undefined}
      >
        <legend className="question__prompt">Is the highlighted message acceptable? (required)</legend>
        <p className="question__sub muted">
          Acceptable: on topic, in the right role, not spam or harmful. Judge quality with the labels below.
        </p>
        <div className="choice-row">
          {ACCEPTABLE.map((option) => (
            <label key={option.key} className={`choice-radio${acceptable === option.value ? ' choice-radio--on' : ''}`}>
              <input
                type="radio"
                name="acceptable"
                checked={acceptable === option.value}
                data-testid={`acceptable-${option.value ? 'yes' : 'no'}`}
                aria-keyshortcuts={option.key}
                onChange={() => onAcceptable(option.value)}
              />
              {option.label} <kbd aria-hidden="true">{option.key}</kbd>
            </label>
          ))}
        </div>
        {missing ? (
          <p id="acceptable-issue" className="question__issue question__issue--error">
            Choose yes or no.
          </p>
        ) : null}
      </fieldset>
      {questions.map((question) => (
        <QuestionBlock
          key={question.id}
          question={question}
          issue={issues[question.id]?.[0]}
          showIssue={attempted ? 'error' : 'hint'}
          serverIssues={rejected[question.id]}
          complete={(issues[question.id] ?? []).length === 0}
        >
          <QuestionView
            question={question}
            draft={drafts[question.id]}
            ctx={REVIEW_CONTEXT}
            disabled={disabled}
            showKeys={false}
            onChange={(draft) => onDraft(question.id, draft)}
            onSubmitShortcut={onSubmitShortcut}
          />
        </QuestionBlock>
      ))}
    </>
  );
}
