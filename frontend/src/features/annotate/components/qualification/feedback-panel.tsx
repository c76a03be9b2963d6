import { useEffect, useRef } from 'react';

import type { QualificationFeedback, Question } from '@/lib/api-types';

import { describeExpected } from './expected-answer';

type FeedbackPanelProps = {
  feedback: QualificationFeedback;
  questions: Question[];
  onContinue: () => void;
};

const OUTCOME: Record<QualificationFeedback['outcome'], string | null> = {
  pending: null,
  passed: 'You passed the qualification: the real tasks start now.',
  failed: 'That was the last qualification task.',
};

/** After a qualification answer, before the next task: right or not, what was expected, and why. */
export function FeedbackPanel({ feedback, questions, onContinue }: FeedbackPanelProps) {
  const continueRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    // Enter or Space goes on; the answered task stays visible below for reference.
    continueRef.current?.focus({ preventScroll: true });
    continueRef.current?.scrollIntoView?.({ block: 'center' });
  }, []);
  const prompts = new Map(questions.map((q) => [q.id, q] as const));
  const outcome = OUTCOME[feedback.outcome];
  return (
    <section
      className={`card qualification-feedback alert ${feedback.correct ? 'alert--success' : 'alert--info'}`}
      data-testid="qualification-feedback"
      data-correct={feedback.correct}
      aria-labelledby="qualification-feedback-title"
    >
      <p className="muted" data-testid="qualification-progress">
        Qualification task {feedback.answered} of {feedback.tasks}
      </p>
      <h2 id="qualification-feedback-title">{feedback.correct ? 'Correct' : 'Not quite'}</h2>
      <ul className="qualification-feedback__expected" data-testid="qualification-expected">
        {Object.entries(feedback.expected).map(([questionId, expected]) => {
          const question = prompts.get(questionId);
          return (
            <li key={questionId}>
              {question?.prompt ?? questionId} — expected: <strong>{describeExpected(expected, question)}</strong>
            </li>
          );
        })}
      </ul>
      {feedback.explanation ? <p data-testid="qualification-explanation">{feedback.explanation}</p> : null}
      {outcome ? <p role="status">{outcome}</p> : null}
      <div className="form__actions">
        <button ref={continueRef} type="button" className="button button--primary" data-testid="qualification-continue" onClick={onContinue}>
          Continue
        </button>
      </div>
    </section>
  );
}
