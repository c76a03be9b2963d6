import type { TreeReplyChoice } from '@/lib/api-types';

import type { RankingDraft } from '../../questions/ranking';
import { RANK_QUESTION, rankContext } from '../../utils/tree-answers';
import { CandidateList } from '../candidate-list';
import { QuestionBlock } from '../questions/question-block';
import { RankingQuestionView } from '../questions/ranking-question';

type SiblingRankingProps = {
  replies: TreeReplyChoice[];
  draft: RankingDraft;
  disabled: boolean;
  onChange: (draft: RankingDraft) => void;
};

/** The replies to the last message in full, then the same replies as a list to order (drag or keys). */
export function SiblingRanking({ replies, draft, disabled, onChange }: SiblingRankingProps) {
  return (
    <>
      <CandidateList candidates={replies} />
      <QuestionBlock question={RANK_QUESTION} showIssue="none" complete>
        <RankingQuestionView
          question={RANK_QUESTION}
          draft={draft}
          ctx={rankContext(replies)}
          disabled={disabled}
          showKeys={false}
          onChange={onChange}
        />
      </QuestionBlock>
    </>
  );
}
