import type { QuestionContext } from '../../questions';

export type QuestionViewProps<Q, D> = {
  question: Q;
  draft: D;
  ctx: QuestionContext;
  disabled: boolean;
  /** This question is the one the page's digit keys answer: show them. */
  showKeys: boolean;
  onChange: (draft: D) => void;
};
