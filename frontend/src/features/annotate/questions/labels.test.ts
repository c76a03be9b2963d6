import { ctxOf, labelsQ } from './fixtures';
import { labelsModel, setLabel } from './labels';

const ctx = ctxOf(['A', 'B']);

describe('labels answer model', () => {
  it('per candidate: every shown candidate present, flags false by default, scales optional', () => {
    const q = labelsQ();
    let d = labelsModel.init(q, ctx);
    expect(labelsModel.validate(q, d, ctx)).toEqual([]);
    expect(labelsModel.toAnswer(q, d, ctx)).toEqual({ values: { A: { spam: false }, B: { spam: false } } });
    d = setLabel(setLabel(d, 'A', 'spam', true), 'B', 'quality', 2);
    expect(labelsModel.toAnswer(q, d, ctx)).toEqual({ values: { A: { spam: true }, B: { spam: false, quality: 2 } } });
    expect(labelsModel.toAnswer(q, setLabel(d, 'B', 'quality', null), ctx)).toEqual({
      values: { A: { spam: true }, B: { spam: false } },
    });
  });

  it('prompt target: a flat map of values', () => {
    const q = labelsQ({ target: 'prompt' });
    const d = setLabel(labelsModel.init(q, ctx), 'prompt', 'quality', 4);
    expect(labelsModel.toAnswer(q, d, ctx)).toEqual({ values: { spam: false, quality: 4 } });
  });

  it('flags an out-of-scale value, and rebuilds from a stored answer', () => {
    const q = labelsQ();
    const bad = setLabel(labelsModel.init(q, ctx), 'A', 'quality', 9);
    expect(labelsModel.validate(q, bad, ctx)).toEqual([{ field: 'values.A.quality', message: 'must be between 0 and 4' }]);
    const d = labelsModel.init(q, ctx, { values: { A: { spam: true, quality: 1 }, B: {} } });
    expect(d.values).toEqual({ A: { spam: true, quality: 1 }, B: { spam: false } });
  });
});
