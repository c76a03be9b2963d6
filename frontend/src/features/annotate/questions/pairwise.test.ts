import { asksStrength, choose, pairwise, setAspect, setStrength } from './pairwise';
import { ctxOf, pairwiseQ } from './fixtures';

const ctx = ctxOf(['A', 'B']);

describe('pairwise answer model', () => {
  it('needs a choice, and sends only the choice for a plain question', () => {
    const q = pairwiseQ();
    const empty = pairwise.init(q, ctx);
    expect(pairwise.validate(q, empty, ctx)).toEqual([{ field: 'choice', message: 'pick which response is better' }]);
    const d = choose(empty, 'B');
    expect(pairwise.validate(q, d, ctx)).toEqual([]);
    expect(pairwise.toAnswer(q, d, ctx)).toEqual({ choice: 'B' });
  });

  it('rejects choices the question does not allow', () => {
    const q = pairwiseQ({ allow_tie: false, allow_both_bad: false });
    expect(pairwise.validate(q, choose(pairwise.init(q, ctx), 'tie'), ctx)[0].field).toBe('choice');
  });

  it('asks strength only for A/B, and never sends it for a tie', () => {
    const q = pairwiseQ({ strength: true });
    let d = choose(pairwise.init(q, ctx), 'A');
    expect(asksStrength(q, d)).toBe(true);
    expect(pairwise.validate(q, d, ctx).map((i) => i.field)).toEqual(['strength']);
    d = setStrength(d, 'clear');
    expect(pairwise.toAnswer(q, d, ctx)).toEqual({ choice: 'A', strength: 'clear' });
    // Switching sides drops the strength that described the other preference.
    expect(choose(d, 'B').strength).toBeUndefined();
    const tie = choose(d, 'tie');
    expect(pairwise.validate(q, tie, ctx)).toEqual([]);
    expect(pairwise.toAnswer(q, tie, ctx)).toEqual({ choice: 'tie' });
  });

  it('omits strength when the question does not ask it, even if the draft has one', () => {
    const q = pairwiseQ({ strength: false });
    expect(pairwise.toAnswer(q, { choice: 'A', strength: 'strong', aspects: {} }, ctx)).toEqual({ choice: 'A' });
  });

  it('needs every aspect answered', () => {
    const q = pairwiseQ({
      aspects: [
        { id: 'accuracy', label: 'Accuracy', description: '' },
        { id: 'tone', label: 'Tone', description: '' },
      ],
    });
    let d = setAspect(choose(pairwise.init(q, ctx), 'tie'), 'accuracy', 'A');
    expect(pairwise.validate(q, d, ctx)).toEqual([{ field: 'aspects.tone', message: 'answer every aspect' }]);
    d = setAspect(d, 'tone', 'tie');
    expect(pairwise.toAnswer(q, d, ctx)).toEqual({ choice: 'tie', aspects: { accuracy: 'A', tone: 'tie' } });
  });

  it('rebuilds a draft from a stored answer (undo), ignoring junk', () => {
    const q = pairwiseQ({ strength: true, aspects: [{ id: 'tone', label: 'Tone', description: '' }] });
    const d = pairwise.init(q, ctx, { choice: 'B', strength: 'strong', aspects: { tone: 'A', bogus: 'B' } });
    expect(d).toEqual({ choice: 'B', strength: 'strong', aspects: { tone: 'A' } });
    expect(pairwise.init(q, ctx, { choice: 'Z', strength: null })).toEqual({ aspects: {} });
  });
});
