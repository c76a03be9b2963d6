import type { Question } from '@/lib/api-types';

import type { Draft, QuestionContext } from '../../questions';
import type { BinaryDraft } from '../../questions/binary';
import type { LabelsDraft } from '../../questions/labels';
import type { NegativeOnlyDraft } from '../../questions/negative-only';
import type { PairwiseDraft } from '../../questions/pairwise';
import type { RankingDraft } from '../../questions/ranking';
import type { RatingDraft } from '../../questions/rating';
import type { TextDraft } from '../../questions/text';

import { BinaryQuestionView } from './binary-question';
import { LabelsQuestionView } from './labels-question';
import { NegativeOnlyQuestionView } from './negative-only-question';
import { PairwiseQuestionView } from './pairwise-question';
import { RankingQuestionView } from './ranking-question';
import { RatingQuestionView } from './rating-question';
import { TextQuestionView } from './text-question';

type QuestionViewProps = {
  question: Question;
  draft: Draft | undefined;
  ctx: QuestionContext;
  disabled: boolean;
  showKeys: boolean;
  onChange: (draft: Draft) => void;
  onSubmitShortcut: () => void;
};

/** The controls for one question, by kind. */
export function QuestionView({ question, draft, onSubmitShortcut, ...rest }: QuestionViewProps) {
  if (draft === undefined) {
    return <p className="part-placeholder">[this question kind ({String(question.kind)}) is not supported here]</p>;
  }
  switch (question.kind) {
    case 'pairwise':
      return <PairwiseQuestionView question={question} draft={draft as PairwiseDraft} {...rest} />;
    case 'ranking':
      return <RankingQuestionView question={question} draft={draft as RankingDraft} {...rest} />;
    case 'binary':
      return <BinaryQuestionView question={question} draft={draft as BinaryDraft} {...rest} />;
    case 'negative_only':
      return <NegativeOnlyQuestionView question={question} draft={draft as NegativeOnlyDraft} {...rest} />;
    case 'rating':
      return <RatingQuestionView question={question} draft={draft as RatingDraft} {...rest} />;
    case 'text':
      return <TextQuestionView question={question} draft={draft as TextDraft} onSubmitShortcut={onSubmitShortcut} {...rest} />;
    case 'labels':
      return <LabelsQuestionView question={question} draft={draft as LabelsDraft} {...rest} />;
    default: {
      const unhandled: never = question;
      void unhandled;
      return <p className="part-placeholder">[unsupported question]</p>;
    }
  }
}
