import type { ReactNode } from 'react';

import { Markdown } from '@/components/markdown';
import type { Question } from '@/lib/api-types';

import { describeIssue, type Issue } from '../../questions';

type QuestionBlockProps = {
  question: Question;
  /** The client-side checks' first problem, shown as a hint, or as an error once the user tried to submit. */
  issue?: Issue;
  showIssue: 'hint' | 'error' | 'none';
  /** What the server rejected (422 `invalid_answer`), always shown. */
  serverIssues?: Issue[];
  complete: boolean;
  children: ReactNode;
};

export const questionDomId = (question: Question) => `question-${question.id}`;
export const promptDomId = (question: Question) => `question-${question.id}-prompt`;

/** Prompt, sanitised Markdown help, the controls, and what is still missing or was rejected. */
export function QuestionBlock({ question, issue, showIssue, serverIssues = [], complete, children }: QuestionBlockProps) {
  const issueId = `question-${question.id}-issue`;
  const hasServer = serverIssues.length > 0;
  return (
    <section
      id={questionDomId(question)}
      className={`question question--${question.kind}${hasServer || (issue && showIssue === 'error') ? ' question--invalid' : ''}`}
      aria-labelledby={promptDomId(question)}
      aria-describedby={issue && showIssue !== 'none' ? issueId : undefined}
      data-testid={`question-${question.id}`}
      data-complete={complete}
      tabIndex={-1}
    >
      <h2 id={promptDomId(question)} className="question__prompt">
        {question.prompt}
      </h2>
      {question.help?.trim() ? <Markdown text={question.help} source="trusted" className="question__help" /> : null}
      {children}
      {hasServer ? (
        <ul className="question__errors" role="alert" data-testid={`errors-${question.id}`}>
          {serverIssues.map((item, index) => (
            <li key={index}>{describeIssue(question, item)}</li>
          ))}
        </ul>
      ) : null}
      {issue && showIssue !== 'none' && !hasServer ? (
        <p id={issueId} className={`question__issue question__issue--${showIssue}`} data-testid={`issue-${question.id}`}>
          {describeIssue(question, issue)}
        </p>
      ) : null}
    </section>
  );
}
