import { ctxOf, rankingQ } from './fixtures';
import { groupsOf, moveBy, moveEntry, ranking, ranksOf, setNoneAcceptable, toggleTie, type RankingDraft } from './ranking';

const ctx = ctxOf(['A', 'B', 'C']);
const draftOf = (order: string[], tied: string[] = []): RankingDraft => ({
  order,
  tied: Object.fromEntries(tied.map((l) => [l, true])),
  noneAcceptable: false,
});

describe('ranking answer model', () => {
  it('starts in the shown order, which is a valid ranking', () => {
    const q = rankingQ();
    const d = ranking.init(q, ctx);
    expect(ranking.validate(q, d, ctx)).toEqual([]);
    expect(ranking.toAnswer(q, d, ctx)).toEqual({ ranking: [['A'], ['B'], ['C']], none_acceptable: false });
  });

  it('moves entries and groups ties with the entry above', () => {
    const q = rankingQ();
    let d = ranking.init(q, ctx);
    d = moveBy(d, 'C', -1);
    d = moveBy(d, 'C', -1);
    expect(d.order).toEqual(['C', 'A', 'B']);
    d = toggleTie(d, 'A');
    expect(groupsOf(d)).toEqual([['C', 'A'], ['B']]);
    expect(ranksOf(d)).toEqual({ C: 1, A: 1, B: 2 });
    expect(ranking.toAnswer(q, d, ctx)).toEqual({ ranking: [['C', 'A'], ['B']], none_acceptable: false });
  });

  it('never ties the first entry, and clamps moves at the ends', () => {
    let d = ranking.init(rankingQ(), ctx);
    expect(toggleTie(d, 'A')).toBe(d);
    d = moveBy(d, 'A', -1);
    expect(d.order).toEqual(['A', 'B', 'C']);
    d = moveBy(d, 'C', 5);
    expect(d.order).toEqual(['A', 'B', 'C']);
  });

  it('keeps group mates together when one of them leaves', () => {
    // [A, B] tied, then C: moving A below C leaves B heading its group, not tied to anything new.
    const d = moveEntry(draftOf(['A', 'B', 'C'], ['B']), 0, 2);
    expect(groupsOf(d)).toEqual([['B'], ['C'], ['A']]);
    // Swapping two tied entries keeps them tied.
    expect(groupsOf(moveEntry(draftOf(['A', 'B', 'C'], ['B']), 0, 1))).toEqual([['B', 'A'], ['C']]);
    // Landing inside a tied group joins it.
    expect(groupsOf(moveEntry(draftOf(['A', 'B', 'C'], ['B']), 2, 1))).toEqual([['A', 'C', 'B']]);
    // Landing between groups is a group of its own.
    expect(groupsOf(moveEntry(draftOf(['A', 'B', 'C', 'D'], ['B', 'D']), 3, 0))).toEqual([['D'], ['A', 'B'], ['C']]);
  });

  it('refuses ties when the question does not allow them', () => {
    const q = rankingQ({ allow_ties: false });
    expect(ranking.validate(q, draftOf(['A', 'B', 'C'], ['C']), ctx)).toEqual([
      { field: 'ranking', message: 'this question does not allow ties' },
    ]);
  });

  it('needs every shown label exactly once', () => {
    const q = rankingQ();
    expect(ranking.validate(q, draftOf(['A', 'B']), ctx)).toEqual([
      { field: 'ranking.C', message: 'every shown candidate needs a place' },
    ]);
    expect(ranking.validate(q, draftOf(['A', 'B', 'C', 'D']), ctx)[0].field).toBe('ranking.D');
  });

  it('sends an empty ranking when none is acceptable, if allowed', () => {
    const d = setNoneAcceptable(ranking.init(rankingQ(), ctx), true);
    expect(ranking.toAnswer(rankingQ(), d, ctx)).toEqual({ ranking: [], none_acceptable: true });
    expect(ranking.validate(rankingQ({ allow_none_acceptable: false }), d, ctx)[0].field).toBe('none_acceptable');
  });

  it('rebuilds a draft from a stored ranking', () => {
    const d = ranking.init(rankingQ(), ctx, { ranking: [['B'], ['C', 'A']], none_acceptable: false });
    expect(d.order).toEqual(['B', 'C', 'A']);
    expect(groupsOf(d)).toEqual([['B'], ['C', 'A']]);
    expect(ranking.init(rankingQ(), ctx, { ranking: [], none_acceptable: true }).noneAcceptable).toBe(true);
  });
});
