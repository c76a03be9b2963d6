import { ctxOf, rankingQ } from './fixtures';
import {
  clearRanking,
  groupsOf,
  keepShownOrder,
  moveBy,
  moveEntry,
  placeAt,
  ranking,
  rankNext,
  ranksOf,
  setNoneAcceptable,
  toggleTie,
  unrank,
  type RankingDraft,
} from './ranking';

const ctx = ctxOf(['A', 'B', 'C']);
const draftOf = (order: string[], tied: string[] = [], unranked: string[] = []): RankingDraft => ({
  order,
  tied: Object.fromEntries(tied.map((l) => [l, true])),
  unranked,
  noneAcceptable: false,
});
const shownOrder = () => keepShownOrder(ranking.init(rankingQ(), ctx));

describe('ranking answer model', () => {
  it('starts unranked: the shown order is not an answer until placed or kept', () => {
    const q = rankingQ();
    const d = ranking.init(q, ctx);
    expect(d.order).toEqual([]);
    expect(d.unranked).toEqual(['A', 'B', 'C']);
    expect(ranking.validate(q, d, ctx)).toEqual([{ field: 'ranking', message: 'rank the responses, or keep the order shown' }]);
    const kept = keepShownOrder(d);
    expect(ranking.validate(q, kept, ctx)).toEqual([]);
    expect(ranking.toAnswer(q, kept, ctx)).toEqual({ ranking: [['A'], ['B'], ['C']], none_acceptable: false });
  });

  it('places responses one by one, by "rank next" and by position, and counts what is left', () => {
    const q = rankingQ();
    let d = rankNext(ranking.init(q, ctx), 'C');
    expect(d.order).toEqual(['C']);
    expect(d.unranked).toEqual(['A', 'B']);
    expect(ranking.validate(q, d, ctx)[0].message).toBe('rank every response (2 of 3 not ranked yet), or keep the order shown for the rest');
    d = placeAt(d, 'B', 0);
    expect(d.order).toEqual(['B', 'C']);
    // The rest "in the order shown" follows what was ranked: the annotator's order, not A, B, C.
    d = keepShownOrder(d);
    expect(ranking.toAnswer(q, d, ctx)).toEqual({ ranking: [['B'], ['C'], ['A']], none_acceptable: false });
    // A position past the end clamps to the end; placing inside a tied group joins it.
    const tiedPair = toggleTie(placeAt(rankNext(ranking.init(q, ctx), 'A'), 'B', 9), 'B');
    expect(groupsOf(placeAt(tiedPair, 'C', 1))).toEqual([['A', 'C', 'B']]);
  });

  it('unranks an entry back into the shown order and clears everything', () => {
    const q = rankingQ();
    let d = toggleTie(keepShownOrder(rankNext(ranking.init(q, ctx), 'B')), 'A');
    expect(groupsOf(d)).toEqual([['B', 'A'], ['C']]);
    d = unrank(d, 'B', ctx.labels);
    expect(groupsOf(d)).toEqual([['A'], ['C']]);
    d = unrank(d, 'C', ctx.labels);
    expect(d.unranked).toEqual(['B', 'C']);
    expect(ranking.validate(q, d, ctx)).toHaveLength(1);
    expect(clearRanking(d, ctx.labels)).toMatchObject({ order: [], tied: {}, unranked: ['A', 'B', 'C'] });
  });

  it('moves entries and groups ties with the entry above', () => {
    const q = rankingQ();
    let d = shownOrder();
    d = moveBy(d, 'C', -1);
    d = moveBy(d, 'C', -1);
    expect(d.order).toEqual(['C', 'A', 'B']);
    d = toggleTie(d, 'A');
    expect(groupsOf(d)).toEqual([['C', 'A'], ['B']]);
    expect(ranksOf(d)).toEqual({ C: 1, A: 1, B: 2 });
    expect(ranking.toAnswer(q, d, ctx)).toEqual({ ranking: [['C', 'A'], ['B']], none_acceptable: false });
  });

  it('never ties the first entry, and clamps moves at the ends', () => {
    let d = shownOrder();
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
    expect(d.unranked).toEqual([]);
    expect(ranking.validate(rankingQ(), d, ctx)).toEqual([]);
    // A stored ranking missing a candidate leaves it to rank again rather than guessing its place.
    expect(ranking.init(rankingQ(), ctx, { ranking: [['B']], none_acceptable: false }).unranked).toEqual(['A', 'C']);
    expect(groupsOf(d)).toEqual([['B'], ['C', 'A']]);
    expect(ranking.init(rankingQ(), ctx, { ranking: [], none_acceptable: true }).noneAcceptable).toBe(true);
  });
});
