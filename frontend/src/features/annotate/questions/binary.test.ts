import { binary, vote } from './binary';
import { binaryQ, ctxOf } from './fixtures';

const ctx = ctxOf(['A', 'B', 'C']);

describe('binary answer model', () => {
  it('needs a vote for every shown candidate', () => {
    const q = binaryQ();
    let d = vote(binary.init(q, ctx), 'A', 'up');
    expect(binary.validate(q, d, ctx).map((i) => i.field)).toEqual(['votes.B', 'votes.C']);
    d = vote(vote(d, 'B', 'down'), 'C', 'up');
    expect(binary.validate(q, d, ctx)).toEqual([]);
    expect(binary.toAnswer(q, d, ctx)).toEqual({ votes: { A: 'up', B: 'down', C: 'up' } });
  });

  it('lets a vote be changed, and rebuilds from a stored answer', () => {
    const q = binaryQ();
    expect(vote(vote(binary.init(q, ctx), 'A', 'up'), 'A', 'down').votes.A).toBe('down');
    expect(binary.init(q, ctx, { votes: { A: 'down', B: 'maybe', Z: 'up' } }).votes).toEqual({ A: 'down' });
  });
});
