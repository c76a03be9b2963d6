import { ctxOf, negativeQ } from './fixtures';
import { negativeOnly, toggleReason, toggleUnacceptable } from './negative-only';

const ctx = ctxOf(['A', 'B']);

describe('negative-only answer model', () => {
  it('is complete with nothing marked, and sends {}', () => {
    const q = negativeQ();
    const d = negativeOnly.init(q, ctx);
    expect(negativeOnly.validate(q, d, ctx)).toEqual([]);
    expect(negativeOnly.toAnswer(q, d, ctx)).toEqual({ unacceptable: {} });
  });

  it('needs a reason for each marked candidate when reasons are required', () => {
    const q = negativeQ();
    let d = toggleUnacceptable(negativeOnly.init(q, ctx), 'B');
    expect(negativeOnly.validate(q, d, ctx)).toEqual([{ field: 'unacceptable.B', message: 'pick at least one reason' }]);
    d = toggleReason(toggleReason(d, 'B', 'harmful'), 'B', 'incorrect');
    expect(negativeOnly.validate(q, d, ctx)).toEqual([]);
    // Reasons are sent in the question's order.
    expect(negativeOnly.toAnswer(q, d, ctx)).toEqual({ unacceptable: { B: ['incorrect', 'harmful'] } });
  });

  it('accepts a mark without reasons when none are required', () => {
    const q = negativeQ({ require_reason: false });
    const d = toggleUnacceptable(negativeOnly.init(q, ctx), 'A');
    expect(negativeOnly.validate(q, d, ctx)).toEqual([]);
    expect(negativeOnly.toAnswer(q, d, ctx)).toEqual({ unacceptable: { A: [] } });
  });

  it('unmarking forgets the reasons', () => {
    const q = negativeQ();
    let d = toggleReason(toggleUnacceptable(negativeOnly.init(q, ctx), 'A'), 'A', 'harmful');
    d = toggleUnacceptable(d, 'A');
    expect(negativeOnly.toAnswer(q, d, ctx)).toEqual({ unacceptable: {} });
  });
});
