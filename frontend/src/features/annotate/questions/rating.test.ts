import { ctxOf, ratingQ } from './fixtures';
import { rating, scalePoints, setScore } from './rating';

const ctx = ctxOf(['A', 'B']);

describe('rating answer model', () => {
  it('needs every required attribute for every candidate; optional ones may be left out', () => {
    const q = ratingQ();
    let d = setScore(rating.init(q, ctx), 'A', 'helpfulness', 3);
    expect(rating.validate(q, d, ctx)).toEqual([{ field: 'scores.B.helpfulness', message: 'this attribute needs a score' }]);
    d = setScore(setScore(d, 'B', 'helpfulness', 0), 'B', 'style', 2);
    expect(rating.validate(q, d, ctx)).toEqual([]);
    expect(rating.toAnswer(q, d, ctx)).toEqual({ scores: { A: { helpfulness: 3 }, B: { helpfulness: 0, style: 2 } } });
  });

  it('rejects out-of-scale values and clears with null', () => {
    const q = ratingQ();
    const d = setScore(setScore(rating.init(q, ctx), 'A', 'helpfulness', 9), 'B', 'helpfulness', 1);
    expect(rating.validate(q, d, ctx)).toEqual([{ field: 'scores.A.helpfulness', message: 'must be between 0 and 4' }]);
    expect(setScore(d, 'B', 'helpfulness', null).scores.B).toEqual({});
  });

  it('lists scale points and rebuilds from a stored answer', () => {
    expect(scalePoints({ min: -1, max: 2, anchors: {} })).toEqual([-1, 0, 1, 2]);
    const d = rating.init(ratingQ(), ctx, { scores: { A: { helpfulness: 4, style: 7, x: 1 } } });
    expect(d.scores).toEqual({ A: { helpfulness: 4 }, B: {} });
  });
});
