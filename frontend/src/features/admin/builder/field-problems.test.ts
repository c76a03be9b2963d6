import { placeProblems } from './field-problems';

describe('where the server’s problems land in the builder form', () => {
  it('puts display, group and model-reply problems on their own fields', () => {
    const placed = placeProblems([
      { field: 'body.display.media.image_fit', message: "Input should be 'contain', 'cover' or 'original'" },
      { field: 'body.display.layout', message: 'bad layout' },
      { field: 'body.eligibility.groups.0', message: 'String should have at least 1 character' },
      { field: 'body.trees.model_replies.params', message: 'max_tokens must be at most 1000000' },
      { field: 'body.questions.0.rating.attributes.0.scale', message: 'anchors [7] lie outside 0..4' },
    ]);
    expect(placed.general).toEqual([]);
    expect(placed.byField).toEqual({
      'display.media.image_fit': ["Input should be 'contain', 'cover' or 'original'"],
      'display.layout': ['bad layout'],
      'eligibility.groups': ['0: String should have at least 1 character'],
      'trees.model_replies.params': ['max_tokens must be at most 1000000'],
      'questions.0.attributes': ['0.scale: anchors [7] lie outside 0..4'],
    });
  });
});
