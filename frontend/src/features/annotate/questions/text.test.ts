import { ctxOf, textQ } from './fixtures';
import { checkText, ITEM_KEY, setText, text } from './text';

const ctx = ctxOf(['A', 'B']);

describe('text answer model', () => {
  it('an optional item text may be empty but, once written, must reach min_length', () => {
    const q = textQ({ min_length: 10 });
    let d = text.init(q, ctx);
    expect(text.validate(q, d, ctx)).toEqual([]);
    expect(text.toAnswer(q, d, ctx)).toEqual({ text: '' });
    d = setText(d, ITEM_KEY, '  short   ');
    expect(text.validate(q, d, ctx)).toEqual([{ field: 'text', message: 'write at least 10 characters' }]);
    d = setText(d, ITEM_KEY, 'long enough now');
    expect(text.validate(q, d, ctx)).toEqual([]);
    expect(text.toAnswer(q, d, ctx)).toEqual({ text: 'long enough now' });
  });

  it('a required text needs something besides whitespace, and respects max_length in code points', () => {
    const q = textQ({ required: true, max_length: 3 });
    expect(checkText(q, '   ')).toBe('this question needs an answer');
    expect(checkText(q, '😀😀😀')).toBeNull(); // 3 code points, 6 UTF-16 units
    expect(checkText(q, 'abcd')).toBe('write at most 3 characters');
  });

  it('per candidate: one text each, refinements start from the candidate text', () => {
    const q = textQ({ target: 'candidate', purpose: 'refinement', required: true });
    const d = text.init(q, ctx);
    expect(d.texts).toEqual({ A: 'Answer **A** text', B: 'Answer **B** text' });
    const edited = setText(d, 'B', '');
    expect(text.validate(q, edited, ctx)).toEqual([{ field: 'texts.B', message: 'this question needs an answer' }]);
    expect(text.toAnswer(q, setText(d, 'B', 'Better B'), ctx)).toEqual({ texts: { A: 'Answer **A** text', B: 'Better B' } });
  });

  it('a critique per candidate starts empty; a stored answer wins over the prefill', () => {
    expect(text.init(textQ({ target: 'candidate', purpose: 'critique' }), ctx).texts).toEqual({ A: '', B: '' });
    const q = textQ({ target: 'candidate', purpose: 'refinement' });
    expect(text.init(q, ctx, { texts: { A: 'kept' } }).texts).toEqual({ A: 'kept', B: 'Answer **B** text' });
  });
});
