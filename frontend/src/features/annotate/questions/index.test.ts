import { ctxOf, pairwiseQ, ratingQ, textQ } from './fixtures';
import { describeIssue, initDrafts, isComplete, serverIssues, toAnswers } from './index';

describe('question registry', () => {
  it('builds drafts and answers for a whole screen', () => {
    const ctx = ctxOf(['A', 'B']);
    const questions = [pairwiseQ(), textQ()];
    const drafts = initDrafts(questions, ctx, { preference: { choice: 'A' } });
    expect(isComplete(questions[0], drafts.preference, ctx)).toBe(true);
    expect(toAnswers(questions, drafts, ctx)).toEqual({ preference: { choice: 'A' }, rationale: { text: '' } });
  });

  it('groups a server 422 by question and describes it in words', () => {
    const grouped = serverIssues([
      { field: 'answers.rating.scores.A.helpfulness', message: 'this attribute needs a score' },
      { field: 'answers', message: 'odd' },
    ]);
    expect(grouped).toEqual({
      rating: [{ field: 'scores.A.helpfulness', message: 'this attribute needs a score' }],
      '': [{ field: 'answers', message: 'odd' }],
    });
    expect(describeIssue(ratingQ(), grouped.rating[0])).toBe('Response A · Helpfulness: This attribute needs a score');
    expect(serverIssues(null)).toEqual({});
  });
});
